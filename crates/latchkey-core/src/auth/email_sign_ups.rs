//! A sign-up's email address proved with an emailed code: required before the sign-up
//! completes when the instance says so, and then kept verified on the new user.

use serde_json::json;

use super::email_addresses::require_email_code;
use super::email_codes::{Purpose, Recipient};
use super::views::{Answer, SignUpView};
use super::{Auth, RequestContext, STRATEGY};
use crate::error::{Error, Result};
use crate::model::Client;
use crate::store::{CodeCompletion, CodeUse};

impl Auth {
    /// Mails a code to the sign-up's email address.
    pub async fn prepare_sign_up_verification(
        &self,
        client: &Client,
        id: &str,
        strategy: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<Answer<SignUpView>> {
        require_email_code(strategy)?;
        let sign_up = self.open_sign_up(client, id).await?;
        let address = sign_up
            .email_address
            .clone()
            .ok_or(Error::StrategyNotEnabled(STRATEGY))?;
        let to = Recipient {
            address: &address,
            address_id: None,
            user_id: None,
            name: sign_up
                .first_name
                .as_deref()
                .or(sign_up.username.as_deref()),
            deliver: true,
        };
        self.send_code(&sign_up.id, to, Purpose::SignUp, ctx)
            .await?;
        let view = self.sign_up_view_of(sign_up, None).await?;
        self.answer(&client.id, view).await
    }

    /// Proves the sign-up's address with the code mailed to it; a sign-up without a
    /// passkey then completes, a passkey-first one waits for its passkey.
    pub(super) async fn attempt_sign_up_verification(
        &self,
        client: &Client,
        id: &str,
        code: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<Answer<SignUpView>> {
        let sign_up = self.open_sign_up(client, id).await?;
        // A code used by an attempt whose completion then failed needs no second one.
        let verified_at = match self.sign_up_email_verified_at(&sign_up).await? {
            Some(at) => at,
            None => {
                let checked = self.check_code(&sign_up.id, code, None, ctx).await?;
                let verified_at = checked.created_at;
                let event = self.event(
                    "email.verified",
                    ctx,
                    None,
                    None,
                    None,
                    json!({ "sign_up_id": sign_up.id }),
                );
                self.store
                    .use_email_code(&CodeCompletion {
                        code: checked,
                        usage: CodeUse::Verify,
                        now: self.now(),
                        events: vec![event],
                    })
                    .await?;
                verified_at
            }
        };
        if sign_up.user_handle.is_some() || sign_up.username.is_none() {
            let view = self.sign_up_view_of(sign_up, None).await?;
            return self.answer(&client.id, view).await;
        }
        let view = self
            .complete_username_sign_up(sign_up, Some(verified_at), ctx)
            .await?;
        let created = view.sign_up.created_session_id.clone();
        self.answer_signed_in(&client.id, view, created, ctx).await
    }
}
