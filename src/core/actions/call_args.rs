//! The per-call arguments of the two actions as a binding receives them
//! (plain values, already type-checked), turned into the options of a run
//! in one place, so the blocking and async methods cannot drift apart.

use crate::actions::send::SendOptions;
use crate::actions::upsert::UpsertOptions;
use crate::config::{seconds, ClientConfig};
use crate::error::Result;

/// `upsert_contacts(..., list_ids, wait, wait_timeout, dry_run)`.
#[derive(Debug, Clone, PartialEq)]
pub struct UpsertArgs {
    pub list_ids: Option<Vec<String>>,
    pub wait: bool,
    /// Seconds; checked by [`options`](Self::options).
    pub wait_timeout: f64,
    pub dry_run: bool,
}

impl Default for UpsertArgs {
    /// The Python signature's defaults.
    fn default() -> Self {
        Self {
            list_ids: None,
            wait: false,
            wait_timeout: 600.0,
            dry_run: false,
        }
    }
}

impl UpsertArgs {
    /// The run's options on a client configured with `config`; a
    /// `wait_timeout` that is not a positive number of seconds is a
    /// configuration error.
    pub fn options(self, config: &ClientConfig) -> Result<UpsertOptions> {
        let wait_timeout = seconds("wait_timeout", self.wait_timeout, false)?;
        Ok(UpsertOptions {
            list_ids: self.list_ids,
            wait: self.wait,
            wait_timeout,
            dry_run: self.dry_run,
            ..UpsertOptions::for_client(config)
        })
    }
}

/// `send_dynamic_template(s)(..., sandbox, check_template, merge,
/// retry_ambiguous, dry_run)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendArgs {
    pub sandbox: bool,
    pub check_template: bool,
    pub merge: bool,
    pub retry_ambiguous: bool,
    pub dry_run: bool,
}

impl Default for SendArgs {
    /// The batch method's defaults.
    fn default() -> Self {
        Self {
            sandbox: false,
            check_template: true,
            merge: true,
            retry_ambiguous: false,
            dry_run: false,
        }
    }
}

impl SendArgs {
    /// A single mail: one request, so nothing to merge; sent once (a single
    /// call raises instead of retrying an ambiguous failure) and for real.
    pub fn single(sandbox: bool, check_template: bool) -> Self {
        Self {
            sandbox,
            check_template,
            merge: false,
            retry_ambiguous: false,
            dry_run: false,
        }
    }

    /// The run's options on a client configured with `config`.
    pub fn options(self, config: &ClientConfig) -> SendOptions {
        SendOptions {
            sandbox: self.sandbox,
            check_template: self.check_template,
            merge: self.merge,
            retry_ambiguous: self.retry_ambiguous,
            max_concurrency: Some(config.max_concurrency),
            dry_run: self.dry_run,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::config::ClientSettings;
    use crate::error::Error;

    fn config() -> ClientConfig {
        let settings = ClientSettings {
            api_key: Some("SG.test".into()),
            max_concurrency: 7,
            ..ClientSettings::default()
        };
        ClientConfig::from_settings(settings, None, "call-args-tests").unwrap()
    }

    #[test]
    fn upsert_options_keep_the_arguments() {
        let config = config();
        let options = UpsertArgs {
            list_ids: Some(vec!["l1".into()]),
            wait: true,
            wait_timeout: 1.5,
            dry_run: true,
        }
        .options(&config)
        .unwrap();
        assert_eq!(options.list_ids, Some(vec!["l1".to_owned()]));
        assert!(options.wait && options.dry_run);
        assert_eq!(options.wait_timeout, Duration::from_millis(1500));
        assert_eq!(
            options.max_concurrency,
            UpsertOptions::for_client(&config).max_concurrency
        );
    }

    #[test]
    fn a_bad_wait_timeout_is_a_config_error() {
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let args = UpsertArgs {
                wait_timeout: bad,
                ..UpsertArgs::default()
            };
            assert!(matches!(args.options(&config()), Err(Error::Config(_))));
        }
    }

    #[test]
    fn send_options_use_the_client_concurrency() {
        let config = config();
        let options = SendArgs::default().options(&config);
        assert_eq!(options.max_concurrency, Some(config.max_concurrency));
        assert!(options.merge && options.check_template && !options.dry_run);
    }

    #[test]
    fn a_single_send_never_merges_retries_or_dry_runs() {
        let options = SendArgs::single(true, false).options(&config());
        assert!(options.sandbox && !options.check_template);
        assert!(!options.merge && !options.retry_ambiguous && !options.dry_run);
    }
}
