//! The middleware every request passes through, in SendGrid's order:
//! injected drop, latency, URL length, rate limit, auth (except on download links),
//! 404/405, scope, body (size, gzip), injected failure, the handler, then the
//! rate-limit headers and the request log.

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, request::Parts, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use tokio::sync::Notify;

use super::errors::{raw_json_response, ApiError, ErrorItem};
use super::faults::{Fault, RateDecision};
use super::routes::{self, Endpoint};
use super::state::{Emulator, RequestRecord};

/// Inserted by the accept loop into each request: notifying it makes the
/// connection task drop the connection without writing an answer.
#[derive(Debug, Clone)]
pub struct ConnectionKill(pub Arc<Notify>);

/// Rate-limit bucket shared by every path no endpoint serves, so random
/// 404 paths cannot grow the limiter's table.
const UNKNOWN_ROUTE: &str = "(unknown)";

/// A client that stops sending mid-body gets a 408 instead of holding the
/// request open forever.
const BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// The longest request target (path and query) served; longer ones get 414,
/// as from SendGrid's front end. SendGrid publishes no figure: 8 KiB is the
/// common front-end default, and clients that put thousands of ids in a
/// query (RudderStack's removals) have met the 414.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// Past the limit a body is still drained (so the client reads our 413
/// instead of a reset connection), but only up to this many bytes.
const DRAIN_CAP: usize = 64 * 1024 * 1024;

pub async fn pipeline(State(em): State<Arc<Emulator>>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let mut record = RequestRecord {
        method: parts.method.to_string(),
        path: path.clone(),
        query: parts.uri.query().map(str::to_owned),
        status: 0,
        body_size: 0,
        headers: loggable_headers(&parts.headers),
    };
    if let Some(kill) = parts.extensions.get::<ConnectionKill>() {
        if em.faults().take_drop(&path) {
            em.log_request(record.clone());
            kill.0.notify_one();
            // The connection task drops this future with the connection.
            std::future::pending::<()>().await;
        }
    }
    let latency = em.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let route = routes::route_of(&path);
    let decision = em.limiter().check(route.unwrap_or(UNKNOWN_ROUTE));
    let (mut response, body_size) = process(&em, parts, body, route, decision, next).await;
    set_rate_headers(response.headers_mut(), decision);
    record.status = response.status().as_u16();
    record.body_size = body_size;
    em.log_request(record);
    response
}

async fn process(
    em: &Emulator,
    mut parts: Parts,
    body: Body,
    route: Option<&'static str>,
    decision: RateDecision,
    next: Next,
) -> (Response, usize) {
    let target = parts.uri.path_and_query().map_or(0, |p| p.as_str().len());
    if target > MAX_URI_BYTES {
        let message =
            format!("the request URL is {target} bytes; at most {MAX_URI_BYTES} are accepted");
        let error = ApiError::new(StatusCode::URI_TOO_LONG, vec![ErrorItem::general(message)]);
        return (error.into_response(), 0);
    }
    if !decision.allowed {
        return (
            ApiError::status(StatusCode::TOO_MANY_REQUESTS).into_response(),
            0,
        );
    }
    let public = route.is_some_and(routes::is_public);
    if !public && !authorized(em, &parts.headers) {
        return (ApiError::unauthorized().into_response(), 0);
    }
    let Some(pattern) = route else {
        let error = ApiError::not_emulated(parts.method.as_str(), parts.uri.path());
        return (error.into_response(), 0);
    };
    let Some(endpoint) = routes::endpoint(pattern, &parts.method) else {
        let mut response = ApiError::status(StatusCode::METHOD_NOT_ALLOWED).into_response();
        if let Ok(allow) = HeaderValue::from_str(&routes::allowed_methods(pattern)) {
            response.headers_mut().insert(header::ALLOW, allow);
        }
        return (response, 0);
    };
    if !scope_granted(em, endpoint) {
        return (ApiError::forbidden().into_response(), 0);
    }
    let (bytes, wire_size) = match read_body(&parts.headers, body, endpoint.body_limit).await {
        Ok(read) => read,
        Err((error, wire_size)) => return (error.into_response(), wire_size),
    };
    let fault = em.faults().take_fail(parts.uri.path());
    if let Some(fault) = fault.as_ref().filter(|f| !f.after_processing) {
        return (fault_response(fault), wire_size);
    }
    parts.headers.remove(header::CONTENT_ENCODING);
    parts.headers.remove(header::CONTENT_LENGTH);
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    match fault {
        // The request has been applied; the client is told it failed.
        Some(fault) => (fault_response(&fault), wire_size),
        None => (response, wire_size),
    }
}

fn authorized(em: &Emulator, headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some((scheme, token)) = value.trim().split_once(' ') else {
        return false;
    };
    scheme.eq_ignore_ascii_case("bearer") && token.trim() == em.api_key
}

fn scope_granted(em: &Emulator, endpoint: &Endpoint) -> bool {
    endpoint.scopes.is_empty() || endpoint.scopes.iter().any(|s| em.has_scope(s))
}

fn fault_response(fault: &Fault) -> Response {
    let status = StatusCode::from_u16(fault.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match &fault.body {
        Some(body) => {
            let mut response = raw_json_response(status, body.clone());
            if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_err() {
                // A string body (an HTML error page from a "proxy") is sent as text.
                response.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                );
            }
            response
        }
        None => ApiError::status(status).into_response(),
    }
}

fn set_rate_headers(headers: &mut HeaderMap, decision: RateDecision) {
    headers.insert("x-ratelimit-limit", HeaderValue::from(decision.limit));
    headers.insert(
        "x-ratelimit-remaining",
        HeaderValue::from(decision.remaining),
    );
    headers.insert("x-ratelimit-reset", HeaderValue::from(decision.reset));
}

/// Request headers for the log, with the credential masked.
fn loggable_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let text = if name == header::AUTHORIZATION {
                match value.to_str().ok().and_then(|v| v.split_once(' ')) {
                    Some((scheme, _)) => format!("{scheme} [redacted]"),
                    None => "[redacted]".to_owned(),
                }
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            };
            (name.as_str().to_owned(), text)
        })
        .collect()
}

/// Reads the body within `limit` bytes after gunzip. Errors carry the
/// number of wire bytes seen.
async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<(Bytes, usize), (ApiError, usize)> {
    let encoding = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let gzip = match encoding.as_str() {
        "" | "identity" => false,
        "gzip" | "x-gzip" => true,
        other => {
            let error = ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                vec![ErrorItem::general(format!(
                    "Content-Encoding '{other}' is not supported; use gzip or none"
                ))],
            );
            return Err((error, 0));
        }
    };
    let wire = match tokio::time::timeout(BODY_TIMEOUT, read_limited(body, limit)).await {
        Ok(read) => read?,
        Err(_) => return Err((ApiError::status(StatusCode::REQUEST_TIMEOUT), 0)),
    };
    let wire_size = wire.len();
    if !gzip {
        return Ok((wire, wire_size));
    }
    let mut decoded = Vec::with_capacity(wire_size.saturating_mul(4).min(limit));
    let read = flate2::read::GzDecoder::new(&wire[..])
        .take(limit as u64 + 1)
        .read_to_end(&mut decoded);
    match read {
        Ok(_) if decoded.len() > limit => Err((ApiError::too_large(), wire_size)),
        Ok(_) => Ok((Bytes::from(decoded), wire_size)),
        Err(e) => Err((
            ApiError::new(
                StatusCode::BAD_REQUEST,
                vec![ErrorItem::general(format!(
                    "request body is not valid gzip: {e}"
                ))],
            ),
            wire_size,
        )),
    }
}

async fn read_limited(mut body: Body, limit: usize) -> Result<Bytes, (ApiError, usize)> {
    let mut collected: Vec<u8> = Vec::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            let message = format!("the request body could not be read: {e}");
            (
                ApiError::new(StatusCode::BAD_REQUEST, vec![ErrorItem::general(message)]),
                seen,
            )
        })?;
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        seen += data.len();
        if seen <= limit {
            if collected.is_empty() && seen == data.len() {
                collected.reserve(data.len());
            }
            collected.extend_from_slice(&data);
        } else if seen > DRAIN_CAP {
            break;
        }
    }
    if seen > limit {
        return Err((ApiError::too_large(), seen));
    }
    Ok(Bytes::from(collected))
}
