//! Passkeys: the signed-in user's registering, naming and deleting them, and the
//! administration's importing and deleting them.

use serde_json::json;
use webauthn_rs_core::proto::RegisterPublicKeyCredential;

use super::attempts::Attempt;
use super::views::{Answer, PasskeyView};
use super::{Auth, RequestContext, STRATEGY, attempted_credential};
use crate::aaguid;
use crate::ceremony::{self, ForeignCredential, RegisteredCredential};
use crate::encoding::from_b64url;
use crate::error::{Error, Result};
use crate::ids::{Kind, new_id};
use crate::model::{CeremonyState, Passkey, Session};
use crate::settings::GuardedAction;
use crate::validate::PasskeyName;

impl Auth {
    /// Starts registering a new passkey for the signed-in user.
    pub async fn create_passkey(&self, session: &Session) -> Result<Answer<PasskeyView>> {
        if !self.settings().passkey_enabled {
            return Err(Error::StrategyNotEnabled(STRATEGY));
        }
        let user = self
            .store
            .find_user(&session.user_id)
            .await?
            .ok_or(Error::AuthenticationInvalid)?;
        let existing = self.store.list_passkeys(&user.id).await?;
        self.ensure_quota(existing.len())?;
        let exclude = existing
            .into_iter()
            .filter_map(|p| p.credential_id)
            .collect();
        let challenge = self.live().ceremonies.start_registration(
            &user.user_handle,
            user.display_name(),
            exclude,
        )?;
        let passkey = self.new_passkey(&user.id);
        let (verification, ceremony) = self.new_verification(&passkey.id, challenge);
        self.store
            .insert_passkey(&passkey, &verification, &ceremony)
            .await?;
        let view = PasskeyView {
            passkey,
            verification: Some(verification),
        };
        self.answer(&session.client_id, view).await
    }

    /// Verifies a passkey being registered and names it after its authenticator.
    pub async fn attempt_passkey(
        &self,
        session: &Session,
        id: &str,
        strategy: Option<&str>,
        credential: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<Answer<PasskeyView>> {
        let credential = attempted_credential(strategy, credential)?;
        let passkey = self
            .store
            .find_passkey(&session.user_id, id)
            .await?
            .ok_or(Error::NotFound("passkey"))?;
        if passkey.verified {
            return Err(Error::AlreadyVerified);
        }
        let ceremony = self.store.find_ceremony(&passkey.id).await?;
        let view = self
            .run_attempt(
                PasskeyAttempt { passkey, session },
                ceremony,
                credential,
                ctx,
            )
            .await?;
        self.answer(&session.client_id, view).await
    }

    /// Renames one of the signed-in user's verified passkeys.
    pub async fn rename_passkey(
        &self,
        session: &Session,
        id: &str,
        name: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<Answer<PasskeyView>> {
        let name = PasskeyName::parse(name.ok_or(Error::FormParamMissing("name"))?)?;
        let passkey = self
            .store
            .find_passkey(&session.user_id, id)
            .await?
            .ok_or(Error::NotFound("passkey"))?;
        if !passkey.verified {
            return Err(Error::PasskeyNotVerified);
        }
        let passkey = Passkey {
            name: Some(name.into_inner()),
            updated_at: self.now(),
            ..passkey
        };
        let event = self.event(
            "passkey.renamed",
            ctx,
            Some(&session.user_id),
            Some(&passkey.id),
            Some(&session.id),
            json!({ "name": passkey.name }),
        );
        self.store.rename_passkey(&passkey, &event).await?;
        let view = self.passkey_view(passkey).await?;
        self.answer(&session.client_id, view).await
    }

    /// Deletes one of the signed-in user's passkeys; it is unusable at once.
    pub async fn delete_my_passkey(
        &self,
        session: &Session,
        id: &str,
        ctx: &RequestContext,
    ) -> Result<Answer<()>> {
        self.require_recent_factor(session, GuardedAction::DeletePasskey)?;
        self.delete_passkey(&session.user_id, id, Some(&session.id), ctx)
            .await?;
        self.answer(&session.client_id, ()).await
    }

    /// Deletes a user's passkey; it is unusable at once.
    pub async fn delete_passkey(
        &self,
        user_id: &str,
        id: &str,
        session_id: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<()> {
        let event = self.event(
            "passkey.deleted",
            ctx,
            Some(user_id),
            Some(id),
            session_id,
            json!({}),
        );
        if self.store.delete_passkey(user_id, id, &event).await? {
            Ok(())
        } else {
            Err(Error::NotFound("passkey"))
        }
    }

    /// Imports a passkey registered with another WebAuthn server for the same RP ID, for
    /// the administration: it is stored verified, as a registration here stores it, so
    /// its owner signs in with it at once. Refused for a key registration would refuse,
    /// a credential id any user already has, and a user at the passkey quota.
    pub async fn import_passkey(
        &self,
        user_id: &str,
        input: &PasskeyImport,
        ctx: &RequestContext,
    ) -> Result<PasskeyView> {
        let user = self.find_user(user_id).await?;
        let imported = input.parse()?;
        let registered = self
            .live()
            .ceremonies
            .import_credential(imported.credential)?;
        self.ensure_unregistered(&registered.credential_id).await?;
        self.ensure_quota(self.store.list_passkeys(&user.id).await?.len())?;
        let mut passkey = self.registered_passkey(self.new_passkey(&user.id), registered, ctx);
        if let Some(name) = imported.name {
            passkey.name = Some(name.into_inner());
        }
        passkey.user_handle = imported.user_handle;
        passkey.created_at = imported.created_at.unwrap_or(passkey.created_at);
        passkey.last_used_at = imported.last_used_at;
        let event = self.event(
            "passkey.created",
            ctx,
            Some(&user.id),
            Some(&passkey.id),
            None,
            json!({ "name": passkey.name, "imported": true }),
        );
        // As a finished registration: a credential id stored meanwhile is
        // `PasskeyAlreadyExists`, and the user's pending sessions become active.
        self.store.import_passkey(&passkey, &event).await?;
        Ok(PasskeyView {
            passkey,
            verification: None,
        })
    }

    async fn passkey_view(&self, passkey: Passkey) -> Result<PasskeyView> {
        let verification = self.store.find_verification(&passkey.id).await?;
        Ok(PasskeyView {
            passkey,
            verification: verification.map(|v| self.current(v)),
        })
    }

    fn ensure_quota(&self, count: usize) -> Result<()> {
        let max = self.settings().max_passkeys_per_user;
        if count >= max as usize {
            Err(Error::PasskeyQuotaExceeded(max))
        } else {
            Ok(())
        }
    }

    /// Verifies a registration response against its ceremony state, refusing a
    /// credential that is already registered.
    pub(super) async fn finish_new_registration(
        &self,
        response: &RegisterPublicKeyCredential,
        state: &CeremonyState,
    ) -> Result<RegisteredCredential> {
        let registered = self
            .live()
            .ceremonies
            .finish_registration(response, &state.state)?;
        self.ensure_unregistered(&registered.credential_id).await?;
        Ok(registered)
    }

    /// `PasskeyAlreadyExists` when a passkey with `credential_id` is stored, for anyone.
    async fn ensure_unregistered(&self, credential_id: &[u8]) -> Result<()> {
        match self
            .store
            .find_passkey_by_credential_id(credential_id)
            .await?
        {
            Some(_) => Err(Error::PasskeyAlreadyExists),
            None => Ok(()),
        }
    }

    /// A passkey of `user_id` not yet registered.
    pub(super) fn new_passkey(&self, user_id: &str) -> Passkey {
        let now = self.now();
        Passkey {
            id: new_id(Kind::Passkey, now),
            user_id: user_id.to_owned(),
            name: None,
            credential_id: None,
            credential: None,
            public_key: None,
            user_handle: None,
            aaguid: None,
            backed_up: false,
            transports: Vec::new(),
            verified: false,
            last_used_at: None,
            created_at: now,
            updated_at: now,
        }
    }

    /// `passkey` holding the credential just registered, named after its authenticator.
    pub(super) fn registered_passkey(
        &self,
        passkey: Passkey,
        registered: RegisteredCredential,
        ctx: &RequestContext,
    ) -> Passkey {
        Passkey {
            name: Some(aaguid::passkey_name(
                registered.aaguid.as_deref(),
                ctx.user_agent.as_deref(),
            )),
            credential_id: Some(registered.credential_id),
            credential: Some(registered.credential),
            public_key: registered.public_key,
            aaguid: registered.aaguid,
            backed_up: registered.backed_up,
            transports: registered.transports,
            verified: true,
            updated_at: self.now(),
            ..passkey
        }
    }
}

/// A passkey registered with another WebAuthn server, as the Backend API sends it: every
/// field as text, checked by [`Auth::import_passkey`].
#[derive(Debug, Clone, Default)]
pub struct PasskeyImport {
    /// The credential id, base64url (required).
    pub credential_id: Option<String>,
    /// The credential public key, a COSE_Key in base64url (required).
    pub public_key: Option<String>,
    /// The user handle (`user.id` of the creation options) the other server gave the
    /// credential, base64url; by default the user's own.
    pub user_handle: Option<String>,
    /// By default named as a registration names it.
    pub name: Option<String>,
    /// The signature counter last seen; 0 by default.
    pub sign_count: Option<String>,
    /// A JSON array of transport hints, or a comma-separated list.
    pub transports: Option<String>,
    pub backup_eligible: Option<String>,
    pub backed_up: Option<String>,
    pub aaguid: Option<String>,
    /// Unix milliseconds; now by default.
    pub created_at: Option<String>,
    /// Unix milliseconds; never used by default.
    pub last_used_at: Option<String>,
}

/// A [`PasskeyImport`] whose fields are well-formed.
struct ParsedImport {
    credential: ForeignCredential,
    user_handle: Option<Vec<u8>>,
    name: Option<PasskeyName>,
    created_at: Option<i64>,
    last_used_at: Option<i64>,
}

/// WebAuthn §5.4.3: a user handle is at most 64 bytes.
const MAX_USER_HANDLE: usize = 64;
/// WebAuthn §6.1: a credential id is at most 1023 bytes.
const MAX_CREDENTIAL_ID: usize = 1023;

impl PasskeyImport {
    fn parse(&self) -> Result<ParsedImport> {
        let credential_id = required_bytes("credential_id", self.credential_id.as_deref())?;
        if credential_id.len() > MAX_CREDENTIAL_ID {
            return Err(value_invalid("credential_id", "at most 1023 bytes"));
        }
        let cose_key = required_bytes("public_key", self.public_key.as_deref())?;
        let user_handle = optional(self.user_handle.as_deref())
            .map(|text| bytes("user_handle", text))
            .transpose()?;
        if user_handle
            .as_ref()
            .is_some_and(|h| h.is_empty() || h.len() > MAX_USER_HANDLE)
        {
            return Err(value_invalid("user_handle", "1 to 64 bytes"));
        }
        let aaguid = optional(self.aaguid.as_deref())
            .map(|text| {
                uuid::Uuid::parse_str(text.trim()).map_err(|_| format_invalid("aaguid", "a UUID"))
            })
            .transpose()?
            .filter(|uuid| !uuid.is_nil())
            .map(|uuid| uuid.to_string());
        let backup_eligible = flag("backup_eligible", self.backup_eligible.as_deref())?;
        let backed_up = flag("backed_up", self.backed_up.as_deref())?;
        // WebAuthn §6.1.3: only a backup-eligible credential can be backed up.
        if backed_up && !backup_eligible {
            return Err(value_invalid("backed_up", "false unless backup_eligible"));
        }
        Ok(ParsedImport {
            credential: ForeignCredential {
                credential_id,
                cose_key,
                counter: number("sign_count", self.sign_count.as_deref())?.unwrap_or(0),
                transports: transports(self.transports.as_deref())?,
                backup_eligible,
                backed_up,
                aaguid,
            },
            user_handle,
            // A name sent empty is refused, as a rename refuses it.
            name: self.name.as_deref().map(PasskeyName::parse).transpose()?,
            created_at: number("created_at", self.created_at.as_deref())?,
            last_used_at: number("last_used_at", self.last_used_at.as_deref())?,
        })
    }
}

/// A field sent with text (JSON `null` and blank text are no value).
fn optional(raw: Option<&str>) -> Option<&str> {
    raw.filter(|text| !text.trim().is_empty())
}

fn format_invalid(param: &'static str, expected: &str) -> Error {
    Error::FormParamFormatInvalid {
        param,
        reason: format!("expected {expected}"),
    }
}

fn value_invalid(param: &'static str, expected: &str) -> Error {
    Error::FormParamValueInvalid {
        param,
        reason: format!("expected {expected}"),
    }
}

fn bytes(param: &'static str, text: &str) -> Result<Vec<u8>> {
    from_b64url(text.trim()).ok_or_else(|| format_invalid(param, "base64url without padding"))
}

fn required_bytes(param: &'static str, raw: Option<&str>) -> Result<Vec<u8>> {
    let value = bytes(param, optional(raw).ok_or(Error::FormParamMissing(param))?)?;
    if value.is_empty() {
        return Err(value_invalid(param, "at least one byte"));
    }
    Ok(value)
}

/// A non-negative integer that fits `T`.
fn number<T: TryFrom<i64>>(param: &'static str, raw: Option<&str>) -> Result<Option<T>> {
    optional(raw)
        .map(|text| {
            let n: i64 = text
                .trim()
                .parse()
                .map_err(|_| format_invalid(param, "an integer"))?;
            u64::try_from(n)
                .ok()
                .and_then(|_| T::try_from(n).ok())
                .ok_or_else(|| value_invalid(param, "a non-negative integer in range"))
        })
        .transpose()
}

fn flag(param: &'static str, raw: Option<&str>) -> Result<bool> {
    match optional(raw).map(str::trim) {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(format_invalid(param, "true or false")),
    }
}

/// Transport hints sent as a JSON array of strings or as a comma-separated list.
fn transports(raw: Option<&str>) -> Result<Vec<String>> {
    let Some(text) = optional(raw).map(str::trim) else {
        return Ok(Vec::new());
    };
    if text.starts_with('[') {
        return serde_json::from_str(text)
            .map_err(|_| format_invalid("transports", "an array of strings"));
    }
    Ok(text
        .split(',')
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect())
}

/// A signed-in user's new passkey answering its creation challenge.
struct PasskeyAttempt<'a> {
    passkey: Passkey,
    session: &'a Session,
}

impl Attempt for PasskeyAttempt<'_> {
    type Verified = RegisteredCredential;
    type View = PasskeyView;
    const FAILED_EVENT: &'static str = "passkey.failed";

    fn owner_id(&self) -> &str {
        &self.passkey.id
    }

    fn user_id(&self) -> Option<&str> {
        Some(&self.session.user_id)
    }

    async fn verify(
        &self,
        auth: &Auth,
        credential: &str,
        state: &CeremonyState,
    ) -> Result<RegisteredCredential> {
        let response = ceremony::parse_registration(credential)?;
        auth.ensure_quota(auth.store.list_passkeys(&self.session.user_id).await?.len())?;
        auth.finish_new_registration(&response, state).await
    }

    async fn complete(
        self,
        auth: &Auth,
        registered: RegisteredCredential,
        ctx: &RequestContext,
    ) -> Result<PasskeyView> {
        let passkey = auth.registered_passkey(self.passkey, registered, ctx);
        let event = auth.event(
            "passkey.created",
            ctx,
            Some(&self.session.user_id),
            Some(&passkey.id),
            Some(&self.session.id),
            json!({ "name": passkey.name }),
        );
        auth.store
            .complete_passkey_registration(&passkey, &event)
            .await?;
        auth.passkey_view(passkey).await
    }
}
