//! Live settings: what operators change while the instance runs. Each setting whose value
//! differs from the configuration's is a row of the `settings` table; every replica reads
//! them back every few seconds and applies them, so a change reaches the whole fleet
//! without a restart.

use serde_json::{Map, Value, json};
use std::sync::Arc;

use super::{Auth, RequestContext};
use crate::ceremony::Ceremonies;
use crate::error::{Error, Result};
use crate::origin::Origins;
use crate::settings::{LiveSetting, Settings};

/// The `settings` rows of live settings are named `live.<setting name>`.
const PREFIX: &str = "live.";

/// The settings in force, the ceremonies and web origins they make, and the stored rows
/// they came from.
pub(super) struct Live {
    pub(super) settings: Arc<Settings>,
    pub(super) ceremonies: Ceremonies,
    pub(super) web_origins: Origins,
    stored: Vec<(String, String)>,
}

impl Live {
    pub(super) fn new(settings: Settings, stored: Vec<(String, String)>) -> Self {
        Live {
            ceremonies: Ceremonies::new(&settings),
            web_origins: settings.web_origins(),
            settings: Arc::new(settings),
            stored,
        }
    }
}

/// A live setting as shown: its value in force and whether the configuration pins it.
#[derive(Debug, Clone)]
pub struct LiveSettingView {
    pub setting: LiveSetting,
    pub value: String,
    pub pinned: bool,
}

impl Auth {
    /// Every live setting with its value in force.
    pub fn live_settings(&self) -> Vec<LiveSettingView> {
        let settings = self.settings();
        LiveSetting::ALL
            .into_iter()
            .map(|setting| LiveSettingView {
                setting,
                value: setting.get(&settings),
                pinned: self.configured.pinned.contains(&setting),
            })
            .collect()
    }

    /// Changes live settings (name, value as text): all of them or, when one is unknown,
    /// pinned or given a bad value, none. The change is one audit event with each
    /// setting's value before and after; it applies here at once and on every other
    /// replica at its next refresh.
    pub async fn change_live_settings(
        &self,
        changes: &[(String, String)],
        ctx: &RequestContext,
    ) -> Result<Vec<LiveSettingView>> {
        let mut next = (*self.settings()).clone();
        let mut diff = Map::new();
        let mut rows = Vec::new();
        for (name, text) in changes {
            let setting = LiveSetting::named(name).ok_or_else(|| Error::FormParamValueInvalid {
                param: "settings",
                reason: format!("{name} is not a live setting"),
            })?;
            if self.configured.pinned.contains(&setting) {
                return Err(Error::SettingPinned(setting.name()));
            }
            let before = setting.get(&next);
            setting
                .set(&mut next, text.trim())
                .map_err(|wanted| Error::FormParamValueInvalid {
                    param: setting.name(),
                    reason: format!("must be {wanted}"),
                })?;
            let after = setting.get(&next);
            if before != after {
                diff.insert(name.clone(), json!({ "before": before, "after": after }));
                // The configuration's own value is not kept: the setting follows the
                // configuration again.
                let stored = (after != setting.get(&self.configured)).then_some(after);
                rows.push((format!("{PREFIX}{name}"), stored));
            }
        }
        if !rows.is_empty() {
            let changes = Value::Object(diff);
            let event = self.event(
                "instance.settings_changed",
                ctx,
                None,
                None,
                None,
                json!({ "changes": changes }),
            );
            self.store.put_settings(&rows, &event).await?;
            self.refresh_settings().await?;
        }
        Ok(self.live_settings())
    }

    /// Reads the stored live settings and applies them when they changed since the
    /// last read (every replica, every few seconds).
    pub async fn refresh_settings(&self) -> Result<()> {
        let stored: Vec<(String, String)> = self
            .store
            .list_settings(PREFIX)
            .await?
            .into_iter()
            .filter_map(|(name, value)| Some((name.strip_prefix(PREFIX)?.to_owned(), value)))
            .collect();
        if stored == self.live().stored {
            return Ok(());
        }
        let settings = self.configured.with_stored(&stored);
        *self
            .live
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            Arc::new(Live::new(settings, stored));
        Ok(())
    }
}
