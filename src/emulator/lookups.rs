//! The read-only settings endpoints a client looks things up with: IP
//! pools, suppression (ASM) groups, authenticated domains, the account and
//! the key's scopes.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::errors::{json_response, ApiError};
use super::routes::all_scopes;
use super::state::Emulator;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuppressionGroup {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    pub id: i64,
    pub domain: String,
    pub valid: bool,
}

/// Pool names: 2–64 characters (the bound mail/send checks), unique.
pub fn check_pool_name(name: &str, existing: &[String]) -> Result<(), String> {
    let length = name.chars().count();
    if !(2..=64).contains(&length) {
        return Err("IP pool names must be 2 to 64 characters".into());
    }
    if existing.iter().any(|p| p == name) {
        return Err(format!("an IP pool named '{name}' already exists"));
    }
    Ok(())
}

/// Group names: 1–30 characters (spec `SuppressionGroup.name`).
pub fn check_group_name(name: &str) -> Result<(), String> {
    let length = name.chars().count();
    if name.trim().is_empty() || length > 30 {
        return Err("suppression group names must be 1 to 30 characters".into());
    }
    Ok(())
}

pub fn check_domain(domain: &str) -> Result<(), String> {
    let probe = format!("x@{domain}");
    if !super::validate::is_valid_email(&probe) {
        return Err(format!("'{domain}' is not a valid domain name"));
    }
    Ok(())
}

pub async fn ip_pools(State(em): State<Arc<Emulator>>) -> Response {
    let pools: Vec<Value> = em
        .read()
        .ip_pools
        .iter()
        .map(|name| json!({ "name": name }))
        .collect();
    json_response(StatusCode::OK, &Value::Array(pools))
}

/// `?id=1&id=2` filters by id (a repeated parameter, so the raw query is
/// parsed here).
pub async fn asm_groups(State(em): State<Arc<Emulator>>, RawQuery(query): RawQuery) -> Response {
    let mut ids = Vec::new();
    for pair in query.as_deref().unwrap_or("").split('&') {
        if let Some(value) = pair.strip_prefix("id=") {
            match value.parse::<i64>() {
                Ok(id) => ids.push(id),
                Err(_) => {
                    return ApiError::bad_request("id", "id must be an integer").into_response()
                }
            }
        }
    }
    let groups: Vec<Value> = em
        .read()
        .groups
        .iter()
        .filter(|g| ids.is_empty() || ids.contains(&g.id))
        .map(|g| {
            json!({
                "id": g.id,
                "name": g.name,
                "description": "",
                "is_default": false,
                "unsubscribes": 0,
            })
        })
        .collect();
    json_response(StatusCode::OK, &Value::Array(groups))
}

#[derive(Debug, serde::Deserialize)]
pub struct DomainsQuery {
    limit: Option<String>,
    offset: Option<String>,
    domain: Option<String>,
}

pub async fn domains(
    State(em): State<Arc<Emulator>>,
    query: Result<Query<DomainsQuery>, QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return super::templates::bad_query();
    };
    let parse = |value: &Option<String>, name: &str| match value.as_deref().map(str::parse::<usize>)
    {
        None => Ok(None),
        Some(Ok(n)) => Ok(Some(n)),
        Some(Err(_)) => Err(ApiError::bad_request(
            name,
            format!("{name} must be a non-negative integer"),
        )),
    };
    let (limit, offset) = match (parse(&query.limit, "limit"), parse(&query.offset, "offset")) {
        (Ok(limit), Ok(offset)) => (limit.unwrap_or(usize::MAX), offset.unwrap_or(0)),
        (Err(e), _) | (_, Err(e)) => return e.into_response(),
    };
    let store = em.read();
    let domains: Vec<Value> = store
        .domains
        .iter()
        .filter(|d| query.domain.as_deref().is_none_or(|want| d.domain == want))
        .skip(offset)
        .take(limit)
        .map(|d| domain_json(d, d.id == store.domains.first().map_or(0, |f| f.id)))
        .collect();
    json_response(StatusCode::OK, &Value::Array(domains))
}

fn domain_json(d: &Domain, default: bool) -> Value {
    let record = |host: String, data: String| json!({"valid": d.valid, "type": "cname", "host": host, "data": data});
    json!({
        "id": d.id,
        "user_id": 1,
        "subdomain": "em",
        "domain": d.domain,
        "username": "fake-sendgrid",
        "ips": [],
        "custom_spf": false,
        "default": default,
        "legacy": false,
        "automatic_security": true,
        "valid": d.valid,
        "dns": {
            "mail_cname": record(format!("em.{}", d.domain), "u1.wl.sendgrid.net".into()),
            "dkim1": record(format!("s1._domainkey.{}", d.domain), "s1.domainkey.u1.wl.sendgrid.net".into()),
            "dkim2": record(format!("s2._domainkey.{}", d.domain), "s2.domainkey.u1.wl.sendgrid.net".into()),
        },
    })
}

pub async fn account() -> Response {
    json_response(StatusCode::OK, &json!({"type": "paid", "reputation": 100}))
}

pub async fn scopes(State(em): State<Arc<Emulator>>) -> Response {
    let scopes: Vec<String> = match &em.scopes {
        None => all_scopes(),
        Some(granted) => {
            let mut list: Vec<String> = granted.iter().cloned().collect();
            list.sort();
            list
        }
    };
    json_response(StatusCode::OK, &json!({ "scopes": scopes }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setup_names_are_checked() {
        assert!(check_pool_name("a", &[]).is_err());
        assert!(check_pool_name("ab", &[]).is_ok());
        assert!(check_pool_name("ab", &["ab".into()]).is_err());
        assert!(check_pool_name(&"p".repeat(65), &[]).is_err());
        assert!(check_group_name("").is_err() && check_group_name(&"g".repeat(31)).is_err());
        assert!(check_domain("example.com").is_ok() && check_domain("no spaces.com").is_err());
    }

    #[test]
    fn domain_json_has_the_required_dns_records() {
        let d = Domain {
            id: 7,
            domain: "example.com".into(),
            valid: false,
        };
        let json = domain_json(&d, true);
        assert_eq!(json["dns"]["dkim1"]["valid"], false);
        assert_eq!(json["dns"]["mail_cname"]["host"], "em.example.com");
        assert_eq!(json["default"], true);
    }
}
