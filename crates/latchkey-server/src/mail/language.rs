//! Choosing a message's language from the recipient's `Accept-Language`.

/// The language used when the recipient accepts none of the available ones.
pub const FALLBACK: &str = "en";

/// The language of `available` (lower-case primary subtags such as `en`) that
/// `accept_language` prefers most, by q-value and then by order, matching on the primary
/// subtag (`de-AT` accepts `de`); [`FALLBACK`] when it accepts none of them.
pub fn negotiate<'a>(accept_language: Option<&str>, available: &[&'a str]) -> &'a str {
    let mut best: Option<(f32, &'a str)> = None;
    for range in accept_language.unwrap_or_default().split(',') {
        let mut parts = range.split(';');
        let tag = parts.next().unwrap_or_default().trim();
        let primary = tag
            .split('-')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let quality = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let Some(&language) = available.iter().find(|l| **l == primary) else {
            continue;
        };
        if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
            best = Some((quality, language));
        }
    }
    best.map_or(FALLBACK, |(_, language)| language)
}

#[cfg(test)]
mod tests {
    use super::negotiate;

    #[test]
    fn the_most_preferred_available_language_wins() {
        let both = ["de", "en"];
        assert_eq!(negotiate(Some("de-AT,de;q=0.9,en;q=0.8"), &both), "de");
        assert_eq!(
            negotiate(Some("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7"), &both),
            "en"
        );
        assert_eq!(negotiate(Some("en;q=0.5, DE;q=0.6"), &both), "de");
        assert_eq!(negotiate(Some("de;q=0, en;q=0.1"), &both), "en");
        assert_eq!(negotiate(Some("de;q=0"), &both), "en");
        assert_eq!(negotiate(Some("*"), &both), "en");
        assert_eq!(negotiate(Some("de"), &["en"]), "en");
        assert_eq!(negotiate(Some(""), &both), "en");
        assert_eq!(negotiate(None, &both), "en");
    }
}
