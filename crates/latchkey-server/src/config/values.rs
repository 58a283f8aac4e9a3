//! TOML values from the text of a variable or a secret file, and setting one key of a
//! table of sections: what the environment and secret-file layers share.

/// A variable's value as TOML (arrays, numbers, booleans), else as a string.
pub(super) fn env_value(raw: &str) -> toml::Value {
    let looks_typed = raw.starts_with('[')
        || raw.starts_with('{')
        || raw == "true"
        || raw == "false"
        || (!raw.is_empty() && raw.chars().all(|c| c.is_ascii_digit()));
    if looks_typed
        && let Ok(table) = toml::from_str::<toml::Table>(&format!("v = {raw}"))
        && let Some(value) = table.get("v")
    {
        return value.clone();
    }
    toml::Value::String(raw.to_owned())
}

/// Sets `section.key` in a table of sections.
pub(super) fn set(table: &mut toml::Table, section: &str, key: &str, value: toml::Value) {
    let entry = table
        .entry(section.to_owned())
        .or_insert_with(|| toml::Value::Table(Default::default()));
    if let toml::Value::Table(section) = entry {
        section.insert(key.to_owned(), value);
    }
}
