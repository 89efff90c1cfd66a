//! Client configuration: endpoint resolution and value validation. The
//! bindings check Python types; every value rule lives here, once.

use std::time::Duration;

use crate::error::{Error, Result};
use crate::secret::ApiKey;

pub const GLOBAL_BASE_URL: &str = "https://api.sendgrid.com";
pub const EU_BASE_URL: &str = "https://api.eu.sendgrid.com";
pub const API_KEY_ENV: &str = "SENDGRID_API_KEY";

/// The longest duration any setting may name (timeouts, waits): a day. A
/// larger value is a mistake, and would overflow the clocks it is added to.
pub const MAX_SECONDS: f64 = 86_400.0;

/// A duration setting in seconds: finite, > 0 (or ≥ 0 with `zero_ok`) and
/// at most [`MAX_SECONDS`]; the error names the setting.
pub fn seconds(name: &str, value: f64, zero_ok: bool) -> Result<Duration> {
    let low_ok = if zero_ok { value >= 0.0 } else { value > 0.0 };
    if value.is_finite() && low_ok && value <= MAX_SECONDS {
        return Ok(Duration::from_secs_f64(value));
    }
    let low = if zero_ok { ">= 0" } else { "> 0" };
    Err(Error::config(format!(
        "{name} must be a number of seconds {low} and at most {MAX_SECONDS} (a day), got {value}"
    )))
}

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
    /// paths never get a double slash (deviation D12). A URL may not carry a
    /// query or fragment (`/v3/…` would be appended after it), and plain
    /// `http://` is for loopback only unless `allow_insecure_http`: the key
    /// would cross the network in clear text.
    pub fn parse(text: &str, allow_insecure_http: bool) -> Result<Self> {
        let trimmed = text.trim();
        let url = match trimmed {
            "global" => return Ok(Self::Global),
            "eu" => return Ok(Self::Eu),
            url if is_http_url(url) => url.trim_end_matches('/'),
            _ => {
                return Err(Error::config(format!(
                    "endpoint must be \"global\", \"eu\" or an http:// or https:// URL, got {:?}",
                    redact_userinfo(text)
                )))
            }
        };
        let shown = redact_userinfo(url);
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| Error::config(format!("endpoint {shown:?} is not a valid URL: {e}")))?;
        if parsed.query().is_some() || parsed.fragment().is_some() || url.contains(['?', '#']) {
            return Err(Error::config(format!(
                "endpoint {shown:?} must be a base URL without ?query or #fragment (paths such as /v3/mail/send are appended to it)"
            )));
        }
        if parsed.scheme() == "http" && !allow_insecure_http && !is_loopback(&parsed) {
            return Err(Error::config(format!(
                "endpoint {shown:?} uses plain http:// to a host that is not this machine: the API key would travel unencrypted; use https://, or pass allow_insecure_http=True if the network is trusted"
            )));
        }
        Ok(Self::Custom(url.to_owned()))
    }

    /// The base URL for display: a `user:password@` in it is masked.
    pub fn shown(&self) -> String {
        redact_userinfo(self.base_url())
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

/// `http://user:secret@host` → `http://***@host` (in any text).
pub fn redact_userinfo(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let authority_end = url[scheme_end..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| scheme_end + i);
    match url[scheme_end..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &url[..scheme_end], &url[scheme_end + at..]),
        None => url.to_owned(),
    }
}

fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
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
    /// Most time one call may spend waiting on rate limits.
    pub max_rate_limit_wait: Duration,
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
    pub max_rate_limit_wait_s: f64,
    pub allow_insecure_http: bool,
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
            max_rate_limit_wait_s: 600.0,
            allow_insecure_http: false,
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
        let endpoint = Endpoint::parse(&settings.endpoint, settings.allow_insecure_http)?;
        let timeout = seconds("timeout", settings.timeout_s, false)?;
        let max_rate_limit_wait =
            seconds("max_rate_limit_wait", settings.max_rate_limit_wait_s, true)?;
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
            timeout,
            max_retries,
            max_concurrency,
            user_agent,
            max_rate_limit_wait,
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
            Endpoint::parse("global", false).unwrap().base_url(),
            GLOBAL_BASE_URL
        );
        assert_eq!(
            Endpoint::parse("eu", false).unwrap().base_url(),
            EU_BASE_URL
        );
        assert_eq!(
            Endpoint::parse("http://127.0.0.1:3030/", false)
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
            let err = Endpoint::parse(bad, true).unwrap_err().to_string();
            assert!(err.starts_with("endpoint must be"), "{bad}: {err}");
        }
    }

    #[test]
    fn endpoints_are_base_urls_and_plain_http_stays_on_this_machine() {
        for local in [
            "http://localhost:3030",
            "http://127.0.0.9",
            "http://[::1]:80/",
        ] {
            assert!(Endpoint::parse(local, false).is_ok(), "{local}");
        }
        let remote = Endpoint::parse("http://gateway.internal:8080", false).unwrap_err();
        assert!(
            remote.to_string().contains("allow_insecure_http"),
            "{remote}"
        );
        assert!(Endpoint::parse("http://gateway.internal:8080", true).is_ok());
        for bad in [
            "https://proxy/base?x=1",
            "https://proxy/base#f",
            "https://proxy/?",
        ] {
            let err = Endpoint::parse(bad, true).unwrap_err().to_string();
            assert!(err.contains("without ?query or #fragment"), "{bad}: {err}");
        }
        // Credentials in the URL are used but never shown.
        let with_user = Endpoint::parse("https://user:PASSWORD@gateway/sg", false).unwrap();
        assert_eq!(with_user.shown(), "https://***@gateway/sg");
        let err = Endpoint::parse("http://user:PASSWORD@far.example/x?y", false).unwrap_err();
        assert!(!err.to_string().contains("PASSWORD"), "{err}");
        assert_eq!(redact_userinfo("no url here"), "no url here");
        assert_eq!(redact_userinfo("http://h/p@x"), "http://h/p@x");
    }

    #[test]
    fn durations_have_a_sane_maximum() {
        for (value, zero_ok, ok) in [
            (30.0, false, true),
            (0.0, false, false),
            (0.0, true, true),
            (86_400.0, false, true),
            (86_400.5, false, false),
            (1e300, false, false),
            (f64::INFINITY, true, false),
            (-1.0, true, false),
        ] {
            let result = seconds("wait_timeout", value, zero_ok);
            assert_eq!(result.is_ok(), ok, "{value}");
            if let Err(err) = result {
                assert!(err.to_string().starts_with("wait_timeout must be"), "{err}");
            }
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
                    timeout_s: 1e300,
                    ..settings(Some("k"))
                },
                "timeout",
            ),
            (
                ClientSettings {
                    max_rate_limit_wait_s: -1.0,
                    ..settings(Some("k"))
                },
                "max_rate_limit_wait",
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
