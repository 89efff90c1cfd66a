//! Client configuration: endpoint resolution and value validation. The
//! bindings check Python types; every value rule lives here, once.

use std::time::Duration;

use crate::error::{Error, Result};
use crate::secret::ApiKey;

pub const GLOBAL_BASE_URL: &str = "https://api.sendgrid.com";
pub const EU_BASE_URL: &str = "https://api.eu.sendgrid.com";
pub const API_KEY_ENV: &str = "SENDGRID_API_KEY";

/// Where requests go: one of SendGrid's two regions or any base URL (the
/// emulator, a proxy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Global,
    Eu,
    Custom(String),
}

impl Endpoint {
    /// `"global"`, `"eu"` or an `http(s)://` URL; a trailing `/` is dropped so
    /// paths never get a double slash (deviation D12).
    pub fn parse(text: &str) -> Result<Self> {
        let trimmed = text.trim();
        match trimmed {
            "global" => Ok(Self::Global),
            "eu" => Ok(Self::Eu),
            url if is_http_url(url) => Ok(Self::Custom(url.trim_end_matches('/').to_owned())),
            _ => Err(Error::config(format!(
                "endpoint must be \"global\", \"eu\" or an http:// or https:// URL, got {text:?}"
            ))),
        }
    }

    pub fn base_url(&self) -> &str {
        match self {
            Self::Global => GLOBAL_BASE_URL,
            Self::Eu => EU_BASE_URL,
            Self::Custom(url) => url,
        }
    }

    /// The value a user would pass to get this endpoint back (for pickling and repr).
    pub fn as_setting(&self) -> &str {
        match self {
            Self::Global => "global",
            Self::Eu => "eu",
            Self::Custom(url) => url,
        }
    }
}

fn is_http_url(text: &str) -> bool {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"));
    matches!(rest, Some(host) if !host.trim_end_matches('/').is_empty() && !host.contains(char::is_whitespace))
}

/// Validated settings of one client.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub api_key: ApiKey,
    pub endpoint: Endpoint,
    pub timeout: Duration,
    pub max_retries: u32,
    pub max_concurrency: usize,
    pub user_agent: String,
}

/// Raw settings as the user gave them, before validation.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    pub api_key: Option<String>,
    pub endpoint: String,
    pub timeout_s: f64,
    pub max_retries: i64,
    pub max_concurrency: i64,
    pub user_agent: Option<String>,
}

impl Default for ClientSettings {
    fn default() -> Self {
        Self {
            api_key: None,
            endpoint: "global".into(),
            timeout_s: 30.0,
            max_retries: 5,
            max_concurrency: 4,
            user_agent: None,
        }
    }
}

impl ClientConfig {
    /// Validates `settings`; `env_key` is the value of `SENDGRID_API_KEY`
    /// (passed in so the rule is testable without touching the process env).
    pub fn from_settings(
        settings: ClientSettings,
        env_key: Option<String>,
        default_user_agent: &str,
    ) -> Result<Self> {
        let key = settings
            .api_key
            .or(env_key)
            .filter(|k| !k.trim().is_empty())
            .ok_or_else(|| {
                Error::config(format!(
                    "api_key is missing: pass api_key=\"SG....\" or set the {API_KEY_ENV} environment variable"
                ))
            })?;
        let endpoint = Endpoint::parse(&settings.endpoint)?;
        if !(settings.timeout_s.is_finite() && settings.timeout_s > 0.0) {
            return Err(Error::config(format!(
                "timeout must be a number of seconds > 0, got {}",
                settings.timeout_s
            )));
        }
        let max_retries = u32::try_from(settings.max_retries).map_err(|_| {
            Error::config(format!(
                "max_retries must be >= 0, got {}",
                settings.max_retries
            ))
        })?;
        let max_concurrency = usize::try_from(settings.max_concurrency)
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| {
                Error::config(format!(
                    "max_concurrency must be >= 1, got {}",
                    settings.max_concurrency
                ))
            })?;
        let user_agent = match settings.user_agent {
            Some(ua) if ua.trim().is_empty() => {
                return Err(Error::config(
                    "user_agent must not be empty (pass None for the default)",
                ))
            }
            Some(ua) => ua,
            None => default_user_agent.to_owned(),
        };
        Ok(Self {
            api_key: ApiKey::new(key.trim()),
            endpoint,
            timeout: Duration::from_secs_f64(settings.timeout_s),
            max_retries,
            max_concurrency,
            user_agent,
        })
    }

    pub fn base_url(&self) -> &str {
        self.endpoint.base_url()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(key: Option<&str>) -> ClientSettings {
        ClientSettings {
            api_key: key.map(str::to_owned),
            ..Default::default()
        }
    }

    #[test]
    fn endpoints_resolve() {
        assert_eq!(
            Endpoint::parse("global").unwrap().base_url(),
            GLOBAL_BASE_URL
        );
        assert_eq!(Endpoint::parse("eu").unwrap().base_url(), EU_BASE_URL);
        assert_eq!(
            Endpoint::parse("http://127.0.0.1:3030/")
                .unwrap()
                .base_url(),
            "http://127.0.0.1:3030"
        );
        for bad in [
            "",
            "EU",
            "ftp://x",
            "https://",
            "api.sendgrid.com",
            "http://a b",
        ] {
            let err = Endpoint::parse(bad).unwrap_err().to_string();
            assert!(err.starts_with("endpoint must be"), "{bad}: {err}");
        }
    }

    #[test]
    fn key_falls_back_to_env_and_rejects_blank() {
        let cfg = ClientConfig::from_settings(settings(None), Some("SG.env".into()), "ua").unwrap();
        assert_eq!(cfg.api_key.expose(), "SG.env");
        for blank in [None, Some(""), Some("  \t")] {
            let err = ClientConfig::from_settings(settings(blank), None, "ua").unwrap_err();
            assert!(err.to_string().contains(API_KEY_ENV));
        }
    }

    #[test]
    fn limits_are_validated_by_name() {
        let cases = [
            (
                ClientSettings {
                    timeout_s: 0.0,
                    ..settings(Some("k"))
                },
                "timeout",
            ),
            (
                ClientSettings {
                    timeout_s: f64::NAN,
                    ..settings(Some("k"))
                },
                "timeout",
            ),
            (
                ClientSettings {
                    max_retries: -1,
                    ..settings(Some("k"))
                },
                "max_retries",
            ),
            (
                ClientSettings {
                    max_concurrency: 0,
                    ..settings(Some("k"))
                },
                "max_concurrency",
            ),
            (
                ClientSettings {
                    user_agent: Some(" ".into()),
                    ..settings(Some("k"))
                },
                "user_agent",
            ),
        ];
        for (s, name) in cases {
            let err = ClientConfig::from_settings(s, None, "ua")
                .unwrap_err()
                .to_string();
            assert!(err.starts_with(name), "{err}");
        }
    }
}
