//! Documents outside the resource model: the SDK's environment, the JWKS, the
//! well-known files and the probes' status.

use latchkey_core::{Error, Settings};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::kinds::{
    AndroidAppNamespace, DevBrowserObject, EcKeyType, Es256Algorithm, P256Curve, Rs256Algorithm,
    RsaKeyType, SignatureUse,
};
use super::user_settings::{Enabled, ORGANIZATIONS, UserSettings};
use crate::config::AndroidApp;

/// What the SDK needs to know of the configuration.
#[derive(Debug, Serialize, ToSchema)]
pub struct Environment {
    auth_config: AuthConfig,
    display_config: DisplayConfig,
    /// The same settings as the vendor's prebuilt UI reads them.
    user_settings: UserSettings,
    /// Organisations are not a feature of Latchkey: always off.
    organization_settings: Enabled,
}

/// The vendor SDK's development browser: an id it sends back with each call. Latchkey
/// knows a browser by its client cookie or client token, so the id is accepted and
/// not needed.
#[derive(Debug, Serialize, ToSchema)]
pub struct DevBrowser {
    #[schema(inline)]
    object: DevBrowserObject,
    id: String,
}

impl DevBrowser {
    /// The development browser with `id`.
    pub fn new(id: String) -> Self {
        DevBrowser {
            object: DevBrowserObject,
            id,
        }
    }
}

/// The ways to sign in and up.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthConfig {
    passkey: PasskeyConfig,
    sign_up: SignUpConfig,
}

/// Whether passkeys are on, and how many a user may have.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasskeyConfig {
    enabled: bool,
    allow_autofill: bool,
    max_per_user: u32,
}

/// Which sign-ups are open.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignUpConfig {
    username: bool,
    email_address: bool,
    passkey: bool,
}

/// What the UI shows.
#[derive(Debug, Serialize, ToSchema)]
pub struct DisplayConfig {
    application_name: String,
    rp_id: String,
}

impl From<&Settings> for Environment {
    fn from(s: &Settings) -> Self {
        Environment {
            auth_config: AuthConfig {
                passkey: PasskeyConfig {
                    enabled: s.passkey_enabled,
                    allow_autofill: s.passkey_enabled,
                    max_per_user: s.max_passkeys_per_user,
                },
                sign_up: SignUpConfig {
                    username: s.sign_up_with_username,
                    email_address: s.sign_up_with_username,
                    passkey: s.sign_up_with_passkey && s.passkey_enabled,
                },
            },
            display_config: DisplayConfig {
                application_name: s.application_name.clone(),
                rp_id: s.rp_id.clone(),
            },
            user_settings: UserSettings::from(s),
            organization_settings: ORGANIZATIONS,
        }
    }
}

/// The public keys that sign session tokens (RFC 7517).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Jwks {
    keys: Vec<Jwk>,
}

/// A public key that signs session tokens: the `alg` of a token's header is the `alg` of
/// the key its `kid` names.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum Jwk {
    Ec(EcJwk),
    Rsa(RsaJwk),
}

/// A P-256 public key, signing with ES256.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EcJwk {
    #[schema(inline)]
    kty: EcKeyType,
    #[schema(inline)]
    crv: P256Curve,
    #[schema(inline)]
    alg: Es256Algorithm,
    #[serde(rename = "use")]
    #[schema(inline)]
    use_: SignatureUse,
    kid: String,
    x: String,
    y: String,
}

/// An RSA public key (2048 bits when Latchkey made it), signing with RS256.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RsaJwk {
    #[schema(inline)]
    kty: RsaKeyType,
    #[schema(inline)]
    alg: Rs256Algorithm,
    #[serde(rename = "use")]
    #[schema(inline)]
    use_: SignatureUse,
    kid: String,
    /// The modulus, base64url big-endian.
    n: String,
    /// The public exponent, base64url big-endian (`AQAB`, 65537).
    e: String,
}

impl Jwks {
    /// The key set core renders as a JSON Web Key Set.
    pub fn from_value(set: Value) -> Result<Self, Error> {
        serde_json::from_value(set).map_err(Error::internal)
    }
}

/// The origins that may use this relying party's passkeys.
#[derive(Debug, Serialize, ToSchema)]
pub struct RelatedOrigins {
    pub origins: Vec<String>,
}

/// One statement of the Android asset links.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssetLink {
    #[schema(value_type = Vec<String>)]
    relation: [&'static str; 2],
    target: AndroidTarget,
}

/// The Android app a statement is about.
#[derive(Debug, Serialize, ToSchema)]
pub struct AndroidTarget {
    #[schema(inline)]
    namespace: AndroidAppNamespace,
    package_name: String,
    sha256_cert_fingerprints: Vec<String>,
}

impl From<&AndroidApp> for AssetLink {
    fn from(app: &AndroidApp) -> Self {
        AssetLink {
            relation: [
                "delegate_permission/common.handle_all_urls",
                "delegate_permission/common.get_login_creds",
            ],
            target: AndroidTarget {
                namespace: AndroidAppNamespace,
                package_name: app.package_name.clone(),
                sha256_cert_fingerprints: app.sha256_cert_fingerprints.clone(),
            },
        }
    }
}

/// The Apple app site association.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppleAppSiteAssociation {
    webcredentials: WebCredentials,
}

/// The Apple apps that may use this site's passkeys.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebCredentials {
    apps: Vec<String>,
}

impl AppleAppSiteAssociation {
    /// The association for app ids `TEAMID.bundle.id`.
    pub fn new(apps: Vec<String>) -> Self {
        AppleAppSiteAssociation {
            webcredentials: WebCredentials { apps },
        }
    }
}

/// What a probe answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct Status {
    /// `ok`, `ready` or `unavailable`.
    #[schema(value_type = String)]
    pub status: &'static str,
}
