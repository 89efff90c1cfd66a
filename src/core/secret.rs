//! The API key as a type that cannot leak through `Debug` or `Display`.

use std::fmt;

/// A SendGrid API key. Its `Debug`/`Display` never show the key, not even a
/// prefix, so it is safe inside any struct that gets logged or formatted.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key; callers validate emptiness through [`crate::ClientConfig`].
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// The raw key, for the `Authorization` header and for pickling only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Replaces every occurrence of the key in `text`, for server bodies and
    /// transport messages that are about to become user-visible.
    pub fn redact(&self, text: &str) -> String {
        if self.0.is_empty() || !text.contains(self.0.as_str()) {
            return text.to_owned();
        }
        text.replace(self.0.as_str(), "[redacted]")
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([redacted])")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_never_shows_the_key() {
        let key = ApiKey::new("SG.secret-value");
        assert!(!format!("{key:?} {key}").contains("secret"));
        assert_eq!(key.expose(), "SG.secret-value");
    }

    #[test]
    fn redact_replaces_every_occurrence() {
        let key = ApiKey::new("SG.k");
        assert_eq!(key.redact("a SG.k b SG.k"), "a [redacted] b [redacted]");
        assert_eq!(key.redact("nothing"), "nothing");
    }
}
