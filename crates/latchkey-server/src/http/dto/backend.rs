//! The shapes only the Backend API answers with: pages, sessions with their activity,
//! audit events, the live settings and the overview.

use latchkey_core::auth::{LiveSettingView, MinuteActivity, ProviderCount, SessionView};
use latchkey_core::model;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::kinds::{AuditEventObject, LiveSettingsObject, OperatorEnrolmentObject, OverviewObject};
use super::resources::{Session, SessionActivity};

/// One page of a list, with the number of items in the whole list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub total_count: i64,
}

/// A session as the Backend API shows it: the Frontend API's session and the browser,
/// device and IP address it was made from.
#[derive(Debug, Serialize, ToSchema)]
pub struct BackendSession {
    #[serde(flatten)]
    session: Session,
    /// Null when the request that made the session said neither its IP nor its browser.
    latest_activity: Option<SessionActivity>,
}

impl From<&SessionView> for BackendSession {
    fn from(view: &SessionView) -> Self {
        BackendSession {
            session: Session::from(view),
            latest_activity: SessionActivity::of(&view.session),
        }
    }
}

/// A security event.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEvent {
    #[schema(inline)]
    object: AuditEventObject,
    id: String,
    /// What happened, as `sign_in.succeeded`.
    #[serde(rename = "type")]
    kind: String,
    user_id: Option<String>,
    passkey_id: Option<String>,
    session_id: Option<String>,
    ip: Option<String>,
    user_agent: Option<String>,
    /// The operator who made the change through the dashboard; null otherwise.
    actor: Option<String>,
    created_at: i64,
    /// Details of the event (null when they cannot be read).
    data: Value,
}

impl From<&model::AuditEvent> for AuditEvent {
    fn from(e: &model::AuditEvent) -> Self {
        AuditEvent {
            object: AuditEventObject,
            id: e.id.clone(),
            kind: e.kind.clone(),
            user_id: e.user_id.clone(),
            passkey_id: e.passkey_id.clone(),
            session_id: e.session_id.clone(),
            ip: e.ip.clone(),
            user_agent: e.user_agent.clone(),
            actor: e.actor.clone(),
            created_at: e.created_at,
            data: serde_json::from_str(&e.data).unwrap_or(Value::Null),
        }
    }
}

/// The settings operators change while the instance runs, as now in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct LiveSettings {
    #[schema(inline)]
    object: LiveSettingsObject,
    settings: Vec<LiveSettingItem>,
}

/// One live setting.
#[derive(Debug, Serialize, ToSchema)]
pub struct LiveSettingItem {
    /// Its configuration key, e.g. `auth.passkey`.
    name: &'static str,
    /// A boolean, a number, a string or a list of strings, as the configuration key
    /// takes.
    value: Value,
    /// Whether the configuration pins it, so that it cannot be changed here.
    pinned: bool,
}

impl From<Vec<LiveSettingView>> for LiveSettings {
    fn from(views: Vec<LiveSettingView>) -> Self {
        let settings = views
            .into_iter()
            .map(|view| LiveSettingItem {
                name: view.setting.name(),
                // Numbers, booleans and lists are shown as JSON ones, words as strings.
                value: serde_json::from_str(&view.value).unwrap_or(Value::String(view.value)),
                pinned: view.pinned,
            })
            .collect();
        LiveSettings {
            object: LiveSettingsObject,
            settings,
        }
    }
}

/// The instance at a glance, as the dashboard's overview shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Overview {
    #[schema(inline)]
    object: OverviewObject,
    users: i64,
    /// Active and pending sessions, neither expired nor abandoned.
    live_sessions: i64,
    /// Verified passkeys by provider, the most used first.
    passkeys_by_provider: Vec<ProviderPasskeys>,
    /// The minutes of the last day with any sign-in, sign-up or failure, oldest first.
    activity: Vec<Activity>,
}

/// How many passkeys a provider holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderPasskeys {
    /// From the passkey's AAGUID, else `Other`.
    provider: String,
    /// The provider's icon (a data URL), when known.
    icon: Option<String>,
    count: i64,
}

/// Sign-ins, sign-ups and failed ceremonies in one minute.
#[derive(Debug, Serialize, ToSchema)]
pub struct Activity {
    /// The minute's start, Unix ms.
    minute: i64,
    sign_ins: i64,
    sign_ups: i64,
    failures: i64,
}

impl From<latchkey_core::auth::Overview> for Overview {
    fn from(o: latchkey_core::auth::Overview) -> Self {
        let provider = |p: ProviderCount| ProviderPasskeys {
            provider: p.name,
            icon: p.icon,
            count: p.count,
        };
        let activity = |a: MinuteActivity| Activity {
            minute: a.minute,
            sign_ins: a.sign_ins,
            sign_ups: a.sign_ups,
            failures: a.failures,
        };
        Overview {
            object: OverviewObject,
            users: o.users,
            live_sessions: o.live_sessions,
            passkeys_by_provider: o.providers.into_iter().map(provider).collect(),
            activity: o.activity.into_iter().map(activity).collect(),
        }
    }
}

/// A one-time link that registers an operator's passkey for the dashboard.
#[derive(Debug, Serialize, ToSchema)]
pub struct OperatorEnrolment {
    #[schema(inline)]
    object: OperatorEnrolmentObject,
    /// The operator (made an operator, and created when there was no such user).
    user_id: String,
    username: Option<String>,
    /// The link to open, once, on the operator's device.
    url: String,
    /// Unix ms after which the link no longer works.
    expire_at: i64,
}

impl OperatorEnrolment {
    /// The enrolment `e`, whose link is `url`.
    pub fn new(e: &latchkey_core::auth::Enrolment, url: String) -> Self {
        OperatorEnrolment {
            object: OperatorEnrolmentObject,
            user_id: e.user.id.clone(),
            username: e.user.username.clone(),
            url,
            expire_at: e.expire_at,
        }
    }
}
