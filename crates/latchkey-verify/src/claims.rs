//! The claims of a Latchkey session token (API §6).

use serde::{Deserialize, Serialize};

/// The verified claims of a session token. Times are Unix seconds.
///
/// Claims that this version does not know are ignored, so a newer server can add some.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The issuer: the Latchkey server's public URL, e.g. `http://localhost:8080`.
    pub iss: String,
    /// The user id (`user_...`).
    pub sub: String,
    /// The session id (`sess_...`).
    pub sid: String,
    /// When the token was issued.
    pub iat: i64,
    /// The token is not valid before this time (`iat` − 5 s).
    pub nbf: i64,
    /// The token is not valid from this time on (`iat` + the server's token TTL, 60 s by
    /// default).
    pub exp: i64,
    /// The token's unique id.
    pub jti: String,
    /// The browser origin the token was minted for, when the server knew it; native apps'
    /// tokens have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azp: Option<String>,
    /// The session's status.
    pub sts: SessionStatus,
    /// The version of the token format; always 1.
    pub v: u64,
}

impl Claims {
    /// The user id (`sub`).
    pub fn user_id(&self) -> &str {
        &self.sub
    }

    /// The session id (`sid`).
    pub fn session_id(&self) -> &str {
        &self.sid
    }
}

/// The `sts` claim: whether the session is fully signed in.
///
/// A status this version does not know makes the token malformed: the verifier fails
/// closed rather than guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SessionStatus {
    /// A signed-in session.
    Active,
    /// A session with an unfinished task (e.g. the server requires a passkey and the user
    /// has none yet). Verifiers treat it as signed out unless told to accept it.
    Pending,
}
