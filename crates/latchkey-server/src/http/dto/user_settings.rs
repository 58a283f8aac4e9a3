//! The environment's `user_settings` and `organization_settings`: Latchkey's settings
//! described as the hosted vendor describes an instance's, so that the vendor's prebuilt
//! UI offers exactly what Latchkey does (username and passkey, email codes when they sign
//! in) and hides what it does not (passwords, phone numbers, social and enterprise
//! sign-in, second factors, organisations).

use latchkey_core::Settings;
use latchkey_core::settings::EmailCodeUse;
use latchkey_core::validate::Username;
use serde::Serialize;
use utoipa::ToSchema;

/// How users sign up and in, in the vendor's terms.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserSettings {
    attributes: Attributes,
    passkey_settings: PasskeySettings,
    sign_in: SignInSettings,
    sign_up: SignUpSettings,
    username_settings: LengthLimits,
    /// Social sign-in providers: none.
    social: Empty,
    enterprise_sso: Enabled,
    actions: Actions,
}

/// Each attribute a user may have, and what it is used for.
#[derive(Debug, Serialize, ToSchema)]
pub struct Attributes {
    username: Attribute,
    email_address: Attribute,
    passkey: Attribute,
    first_name: Attribute,
    last_name: Attribute,
    password: Attribute,
    phone_number: Attribute,
    web3_wallet: Attribute,
    authenticator_app: Attribute,
    backup_code: Attribute,
}

/// Whether an attribute is collected, required at sign-up, and a way to sign in.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct Attribute {
    enabled: bool,
    required: bool,
    used_for_first_factor: bool,
    first_factors: Vec<&'static str>,
    used_for_second_factor: bool,
    second_factors: Vec<&'static str>,
    verifications: Vec<&'static str>,
    verify_at_sign_up: bool,
}

/// How the UI offers passkey sign-in.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasskeySettings {
    allow_autofill: bool,
    show_sign_in_button: bool,
}

/// Second factors at sign-in: none.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignInSettings {
    second_factor: SecondFactor,
}

/// A second factor's use.
#[derive(Debug, Serialize, ToSchema)]
pub struct SecondFactor {
    enabled: bool,
    required: bool,
}

/// Who may sign up.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignUpSettings {
    /// `public`, or `restricted` when no sign-up mode is open.
    mode: &'static str,
    progressive: bool,
    captcha_enabled: bool,
    legal_consent_enabled: bool,
    allowlist_only: bool,
    mfa: Required,
}

/// The length a username may have.
#[derive(Debug, Serialize, ToSchema)]
pub struct LengthLimits {
    min_length: u32,
    max_length: u32,
}

/// Actions a user may take on their own account: none beyond the profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct Actions {
    delete_self: bool,
    create_organization: bool,
}

/// A feature that is on or off.
#[derive(Debug, Serialize, ToSchema)]
pub struct Enabled {
    enabled: bool,
}

/// Something that is required or not.
#[derive(Debug, Serialize, ToSchema)]
pub struct Required {
    required: bool,
}

/// An empty object.
#[derive(Debug, Serialize, ToSchema)]
pub struct Empty {}

/// Organisations: not a feature of Latchkey.
pub const ORGANIZATIONS: Enabled = Enabled { enabled: false };

impl From<&Settings> for UserSettings {
    fn from(s: &Settings) -> Self {
        let email_sign_in = s.email_code == EmailCodeUse::SignIn;
        let email_code = || vec!["email_code"];
        UserSettings {
            attributes: Attributes {
                username: Attribute {
                    enabled: true,
                    required: s.sign_up_with_username,
                    used_for_first_factor: true,
                    ..Attribute::default()
                },
                email_address: Attribute {
                    enabled: email_sign_in || s.sign_up_requires_verified_email,
                    required: s.sign_up_requires_verified_email,
                    used_for_first_factor: email_sign_in,
                    first_factors: if email_sign_in { email_code() } else { vec![] },
                    verifications: email_code(),
                    verify_at_sign_up: s.sign_up_requires_verified_email,
                    ..Attribute::default()
                },
                passkey: Attribute {
                    enabled: s.passkey_enabled,
                    used_for_first_factor: s.passkey_enabled,
                    first_factors: vec!["passkey"],
                    ..Attribute::default()
                },
                first_name: Attribute {
                    enabled: true,
                    ..Attribute::default()
                },
                last_name: Attribute {
                    enabled: true,
                    ..Attribute::default()
                },
                password: Attribute::default(),
                phone_number: Attribute::default(),
                web3_wallet: Attribute::default(),
                authenticator_app: Attribute::default(),
                backup_code: Attribute::default(),
            },
            passkey_settings: PasskeySettings {
                allow_autofill: s.passkey_enabled,
                show_sign_in_button: s.passkey_enabled,
            },
            sign_in: SignInSettings {
                second_factor: SecondFactor {
                    enabled: false,
                    required: false,
                },
            },
            sign_up: SignUpSettings {
                mode: if s.sign_up_with_username || s.sign_up_with_passkey {
                    "public"
                } else {
                    "restricted"
                },
                progressive: true,
                captcha_enabled: false,
                legal_consent_enabled: false,
                allowlist_only: false,
                mfa: Required { required: false },
            },
            username_settings: LengthLimits {
                min_length: Username::MIN_LENGTH,
                max_length: Username::MAX_LENGTH,
            },
            social: Empty {},
            enterprise_sso: Enabled { enabled: false },
            actions: Actions {
                delete_self: false,
                create_organization: false,
            },
        }
    }
}
