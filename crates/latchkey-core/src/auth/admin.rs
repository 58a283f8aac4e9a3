//! The reads of administration: lists and lookups, newest first, with counts for paging,
//! and the overview.

use super::Auth;
use crate::aaguid;
use crate::error::{Error, Result};
use crate::model::{AuditEvent, Session, User};
use crate::store::{AuditFilter, Page, UserFilter};

/// The overview's window: a day.
const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// The audit events the overview counts: sign-ins, sign-ups, and the failures of each
/// ceremony.
const ACTIVITY_KINDS: [&str; 5] = [
    "sign_in.succeeded",
    "user.created",
    "sign_in.failed",
    "sign_up.failed",
    "passkey.failed",
];

/// The instance at a glance.
#[derive(Debug, Clone)]
pub struct Overview {
    pub users: i64,
    pub live_sessions: i64,
    /// Passkeys by provider, the most used first.
    pub providers: Vec<ProviderCount>,
    /// The minutes of the last day with any activity, oldest first.
    pub activity: Vec<MinuteActivity>,
}

/// How many passkeys a provider (named from the AAGUID list, else "Other") holds.
#[derive(Debug, Clone)]
pub struct ProviderCount {
    pub name: String,
    /// The provider's icon for light backgrounds, a data URL.
    pub icon: Option<String>,
    pub count: i64,
}

/// What happened in one minute (Unix ms of its start).
#[derive(Debug, Clone, Default)]
pub struct MinuteActivity {
    pub minute: i64,
    pub sign_ins: i64,
    pub sign_ups: i64,
    pub failures: i64,
}

impl Auth {
    /// Users whose username or email address starts with `filter.query`, or whose id
    /// or one of whose passkeys' id it is (every user without one), newest first from
    /// after `filter.starting_after`, and how many match.
    pub async fn list_users(&self, filter: UserFilter<'_>, page: Page) -> Result<(Vec<User>, i64)> {
        self.store.list_users(filter, page).await
    }

    /// Sessions of `user_id` (of everyone without one) whose stored status is `status`
    /// (any without one), newest first, and how many match. The status is the stored
    /// one: [`Auth::session_view`] shows it as of now.
    pub async fn list_sessions(
        &self,
        user_id: Option<&str>,
        status: Option<&str>,
        page: Page,
    ) -> Result<(Vec<Session>, i64)> {
        self.store.list_sessions(user_id, status, page).await
    }

    /// The session with this id, whatever its status; `NotFound` when there is none.
    pub async fn get_session(&self, id: &str) -> Result<Session> {
        self.store
            .find_session(id)
            .await?
            .ok_or(Error::NotFound("session"))
    }

    /// Audit events `filter` admits, newest first, and how many it admits.
    pub async fn list_audit_events(
        &self,
        filter: &AuditFilter,
        page: Page,
    ) -> Result<(Vec<AuditEvent>, i64)> {
        self.store.list_audit_events(filter, page).await
    }

    /// What the dashboard's overview shows: users, live sessions, passkeys by provider,
    /// and sign-ins, sign-ups and failures per minute over the last day.
    pub async fn overview(&self) -> Result<Overview> {
        let (_, users) = self
            .store
            .list_users(
                UserFilter::default(),
                Page {
                    limit: 0,
                    offset: 0,
                },
            )
            .await?;
        let mut providers: Vec<ProviderCount> = Vec::new();
        for (aaguid, count) in self.store.count_passkeys_by_aaguid().await? {
            let provider = aaguid.as_deref().and_then(aaguid::provider);
            let name = provider.map_or("Other", |p| p.name.as_str());
            match providers.iter_mut().find(|p| p.name == name) {
                Some(known) => known.count += count,
                None => providers.push(ProviderCount {
                    name: name.to_owned(),
                    icon: provider.and_then(|p| p.icon_light.clone()),
                    count,
                }),
            }
        }
        providers.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
        let since = self.now() - DAY_MS;
        let mut activity: Vec<MinuteActivity> = Vec::new();
        for (minute, kind, count) in self
            .store
            .count_audit_events_per_minute(&ACTIVITY_KINDS, since)
            .await?
        {
            if activity.last().is_none_or(|last| last.minute != minute) {
                activity.push(MinuteActivity {
                    minute,
                    ..MinuteActivity::default()
                });
            }
            let Some(row) = activity.last_mut() else {
                continue;
            };
            match kind.as_str() {
                "sign_in.succeeded" => row.sign_ins += count,
                "user.created" => row.sign_ups += count,
                _ => row.failures += count,
            }
        }
        Ok(Overview {
            users,
            live_sessions: self.count_live_sessions().await?,
            providers,
            activity,
        })
    }

    /// Active and pending sessions neither expired nor abandoned at the clock's time.
    pub async fn count_live_sessions(&self) -> Result<i64> {
        self.store.count_live_sessions(self.now()).await
    }
}
