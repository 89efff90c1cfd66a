//! The table of emulated endpoints: route pattern, method, the scopes that
//! grant it, its body limit and whether it needs the API key. The middleware
//! answers 404/405/403/413 from it; `server.rs` routes the same patterns to
//! handlers (a test checks that both agree).

use axum::http::Method;

/// SendGrid's bounds: contacts "6 MB" read as 6,000,000 bytes (the stricter
/// reading), mail "less than 30 MB".
pub const CONTACTS_BODY_LIMIT: usize = 6_000_000;
pub const MAIL_BODY_LIMIT: usize = 30_000_000 - 1;
/// Every other endpoint takes small JSON bodies; the cap bounds memory.
pub const SMALL_BODY_LIMIT: usize = 1_000_000;

#[derive(Debug, Clone)]
pub struct Endpoint {
    pub method: Method,
    pub pattern: &'static str,
    /// Any one of these grants access; empty = any valid key.
    pub scopes: &'static [&'static str],
    /// Largest accepted body, after gunzip, in bytes.
    pub body_limit: usize,
    /// False only for download links, which stand for SendGrid's pre-signed
    /// URLs: their unguessable id is the credential, not the API key.
    pub needs_key: bool,
}

const MARKETING_READ: &[&str] = &["marketing.read", "marketing_campaigns.read"];

const fn ep(
    method: Method,
    pattern: &'static str,
    scopes: &'static [&'static str],
    body_limit: usize,
) -> Endpoint {
    Endpoint {
        method,
        pattern,
        scopes,
        body_limit,
        needs_key: true,
    }
}

/// A read of the marketing API (small body, the marketing read scopes).
const fn read(method: Method, pattern: &'static str) -> Endpoint {
    ep(method, pattern, MARKETING_READ, SMALL_BODY_LIMIT)
}

/// Where import-job error files are served (see `downloads.rs`).
pub const ERRORS_FILE_PATTERN: &str = "/downloads/contact-imports/{id}/errors.json";

/// Where contact export files are served (`{file}`: `{n}.csv.gz` or
/// `{n}.json.gz`; see `exports.rs`).
pub const EXPORT_FILE_PATTERN: &str = "/downloads/contact-exports/{id}/{file}";

pub const ENDPOINTS: &[Endpoint] = &[
    ep(
        Method::PUT,
        "/v3/marketing/contacts",
        &["marketing_campaigns.update", "marketing_campaigns.create"],
        CONTACTS_BODY_LIMIT,
    ),
    read(Method::GET, "/v3/marketing/contacts"),
    ep(
        Method::DELETE,
        "/v3/marketing/contacts",
        &["marketing_campaigns.delete"],
        SMALL_BODY_LIMIT,
    ),
    read(Method::GET, "/v3/marketing/contacts/count"),
    read(Method::GET, "/v3/marketing/contacts/imports/{id}"),
    // An export reads contacts: the marketing read scopes, POST included.
    read(Method::POST, "/v3/marketing/contacts/exports"),
    read(Method::GET, "/v3/marketing/contacts/exports"),
    read(Method::GET, "/v3/marketing/contacts/exports/{id}"),
    read(Method::POST, "/v3/marketing/contacts/search"),
    read(Method::POST, "/v3/marketing/contacts/search/emails"),
    read(
        Method::POST,
        "/v3/marketing/contacts/search/identifiers/{identifier_type}",
    ),
    ep(
        Method::GET,
        "/v3/marketing/field_definitions",
        MARKETING_READ,
        SMALL_BODY_LIMIT,
    ),
    ep(
        Method::POST,
        "/v3/marketing/field_definitions",
        &["marketing_campaigns.create"],
        SMALL_BODY_LIMIT,
    ),
    ep(
        Method::GET,
        "/v3/marketing/lists",
        MARKETING_READ,
        SMALL_BODY_LIMIT,
    ),
    ep(
        Method::POST,
        "/v3/marketing/lists",
        &["marketing_campaigns.create"],
        SMALL_BODY_LIMIT,
    ),
    read(Method::GET, "/v3/marketing/lists/{id}"),
    read(Method::GET, "/v3/marketing/lists/{id}/contacts/count"),
    ep(
        Method::DELETE,
        "/v3/marketing/lists/{id}/contacts",
        &["marketing_campaigns.update", "marketing_campaigns.delete"],
        SMALL_BODY_LIMIT,
    ),
    ep(
        Method::POST,
        "/v3/mail/send",
        &["mail.send"],
        MAIL_BODY_LIMIT,
    ),
    ep(
        Method::GET,
        "/v3/templates",
        &["templates.read"],
        SMALL_BODY_LIMIT,
    ),
    ep(
        Method::GET,
        "/v3/templates/{id}",
        &["templates.read"],
        SMALL_BODY_LIMIT,
    ),
    ep(
        Method::GET,
        "/v3/ips/pools",
        &["ips.pools.read"],
        SMALL_BODY_LIMIT,
    ),
    ep(
        Method::GET,
        "/v3/asm/groups",
        &["asm.groups.read"],
        SMALL_BODY_LIMIT,
    ),
    ep(
        Method::GET,
        "/v3/whitelabel/domains",
        &["whitelabel.read"],
        SMALL_BODY_LIMIT,
    ),
    ep(
        Method::GET,
        "/v3/user/account",
        &["user.account.read"],
        SMALL_BODY_LIMIT,
    ),
    ep(Method::GET, "/v3/scopes", &[], SMALL_BODY_LIMIT),
    Endpoint {
        method: Method::GET,
        pattern: ERRORS_FILE_PATTERN,
        scopes: &[],
        body_limit: SMALL_BODY_LIMIT,
        needs_key: false,
    },
    Endpoint {
        method: Method::GET,
        pattern: EXPORT_FILE_PATTERN,
        scopes: &[],
        body_limit: SMALL_BODY_LIMIT,
        needs_key: false,
    },
];

/// Every scope some endpoint accepts: what `GET /v3/scopes` lists for a key
/// created with `scopes=None`.
pub fn all_scopes() -> Vec<String> {
    let mut scopes: Vec<String> = ENDPOINTS
        .iter()
        .flat_map(|e| e.scopes.iter().map(|s| (*s).to_owned()))
        .collect();
    scopes.sort();
    scopes.dedup();
    scopes
}

fn pattern_matches(pattern: &str, path: &str) -> bool {
    let mut want = pattern.split('/');
    let mut got = path.split('/');
    loop {
        match (want.next(), got.next()) {
            (None, None) => return true,
            (Some(w), Some(g)) if w.starts_with('{') => {
                if g.is_empty() {
                    return false;
                }
            }
            (Some(w), Some(g)) if w == g => {}
            _ => return false,
        }
    }
}

/// The route pattern a path belongs to, if any endpoint serves it.
pub fn route_of(path: &str) -> Option<&'static str> {
    ENDPOINTS
        .iter()
        .find(|e| pattern_matches(e.pattern, path))
        .map(|e| e.pattern)
}

/// Whether requests to `pattern` go without the API key (every method on
/// it: a wrong method on a download link is a 405, not a 401).
pub fn is_public(pattern: &str) -> bool {
    ENDPOINTS
        .iter()
        .any(|e| e.pattern == pattern && !e.needs_key)
}

/// The endpoint for `method` on `pattern`.
pub fn endpoint(pattern: &str, method: &Method) -> Option<&'static Endpoint> {
    ENDPOINTS
        .iter()
        .find(|e| e.pattern == pattern && e.method == *method)
}

/// Methods served on `pattern`, for the `Allow` header of a 405.
pub fn allowed_methods(pattern: &str) -> String {
    let methods: Vec<&str> = ENDPOINTS
        .iter()
        .filter(|e| e.pattern == pattern)
        .map(|e| e.method.as_str())
        .collect();
    methods.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_to_patterns() {
        assert_eq!(route_of("/v3/templates/d-abc"), Some("/v3/templates/{id}"));
        assert_eq!(route_of("/v3/templates"), Some("/v3/templates"));
        assert_eq!(route_of("/v3/templates/"), None);
        assert_eq!(route_of("/v3/templates/a/b"), None);
        assert_eq!(route_of("/v3/nope"), None);
        assert!(endpoint("/v3/mail/send", &Method::GET).is_none());
        assert_eq!(allowed_methods("/v3/marketing/lists"), "GET, POST");
        assert_eq!(
            route_of("/v3/marketing/lists/abc/contacts/count"),
            Some("/v3/marketing/lists/{id}/contacts/count")
        );
        assert_eq!(
            route_of("/v3/marketing/contacts/search/identifiers/email"),
            Some("/v3/marketing/contacts/search/identifiers/{identifier_type}")
        );
        assert_eq!(
            route_of("/downloads/contact-imports/j/errors.json"),
            Some(ERRORS_FILE_PATTERN)
        );
        assert_eq!(
            route_of("/downloads/contact-exports/e/1.csv.gz"),
            Some(EXPORT_FILE_PATTERN)
        );
        assert_eq!(
            route_of("/v3/marketing/contacts/exports/e"),
            Some("/v3/marketing/contacts/exports/{id}")
        );
    }

    #[test]
    fn only_download_links_go_without_the_key() {
        let public: Vec<&str> = ENDPOINTS
            .iter()
            .filter(|e| !e.needs_key)
            .map(|e| e.pattern)
            .collect();
        assert_eq!(public, [ERRORS_FILE_PATTERN, EXPORT_FILE_PATTERN]);
        assert!(is_public(ERRORS_FILE_PATTERN) && is_public(EXPORT_FILE_PATTERN));
        assert!(!is_public("/v3/scopes"));
    }

    #[test]
    fn scope_list_is_sorted_and_unique() {
        let scopes = all_scopes();
        assert!(scopes.contains(&"mail.send".to_owned()));
        let mut sorted = scopes.clone();
        sorted.dedup();
        assert_eq!(sorted, scopes);
    }
}
