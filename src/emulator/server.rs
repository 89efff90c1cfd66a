//! The router and the accept loop. Connections are served by hyper on the
//! caller's tokio runtime; each gets a kill switch (for `drop_next`) and
//! all of them drain gracefully on stop.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{Method, Uri};
use axum::routing::{delete, get, post, put};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;
use tower_service::Service;

use super::errors::ApiError;
use super::pipeline::{pipeline, ConnectionKill};
use super::routes::{ERRORS_FILE_PATTERN, EXPORT_FILE_PATTERN};
use super::state::Emulator;
use super::{
    contacts, downloads, exports, fields, imports, list_members, lists, lookups, mail, sample,
    search, templates,
};

/// How long stop() lets in-flight requests finish before cutting them.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(3);

pub fn router(em: Arc<Emulator>) -> Router {
    Router::new()
        .route(
            "/v3/marketing/contacts",
            put(contacts::upsert)
                .get(sample::sample)
                .delete(list_members::delete_contacts),
        )
        .route("/v3/marketing/contacts/count", get(sample::count))
        .route("/v3/marketing/contacts/imports/{id}", get(imports::status))
        .route(
            "/v3/marketing/contacts/exports",
            post(exports::create).get(exports::list),
        )
        .route("/v3/marketing/contacts/exports/{id}", get(exports::status))
        .route("/v3/marketing/contacts/search", post(search::search_query))
        .route(
            "/v3/marketing/contacts/search/emails",
            post(search::search_emails),
        )
        .route(
            "/v3/marketing/contacts/search/identifiers/{identifier_type}",
            post(search::search_identifiers),
        )
        .route(
            "/v3/marketing/field_definitions",
            get(fields::list_fields).post(fields::create_field),
        )
        .route(
            "/v3/marketing/lists",
            get(fields::list_lists).post(fields::create_list),
        )
        .route("/v3/marketing/lists/{id}", get(lists::get_list))
        .route(
            "/v3/marketing/lists/{id}/contacts/count",
            get(lists::list_count),
        )
        .route(
            "/v3/marketing/lists/{id}/contacts",
            delete(list_members::remove_from_list),
        )
        .route("/v3/mail/send", post(mail::send))
        .route("/v3/templates", get(templates::list))
        .route("/v3/templates/{id}", get(templates::get_one))
        .route("/v3/ips/pools", get(lookups::ip_pools))
        .route("/v3/asm/groups", get(lookups::asm_groups))
        .route("/v3/whitelabel/domains", get(lookups::domains))
        .route("/v3/user/account", get(lookups::account))
        .route("/v3/scopes", get(lookups::scopes))
        .route(ERRORS_FILE_PATTERN, get(downloads::import_errors))
        .route(EXPORT_FILE_PATTERN, get(downloads::export_file))
        // The middleware answers 404/405 first; these only back it up.
        .fallback(|method: Method, uri: Uri| async move {
            ApiError::not_emulated(method.as_str(), uri.path())
        })
        .method_not_allowed_fallback(|| async {
            ApiError::status(axum::http::StatusCode::METHOD_NOT_ALLOWED)
        })
        // Bodies are read and bounded by the middleware already.
        .layer(DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn_with_state(em.clone(), pipeline))
        .with_state(em)
}

/// Accepts until `shutdown` flips, then releases the port, lets open
/// connections finish (bounded) and returns.
pub async fn serve(listener: TcpListener, app: Router, mut shutdown: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let accepted = tokio::select! {
            _ = stopped(&mut shutdown) => break,
            accepted = listener.accept() => accepted,
        };
        let Ok((stream, _peer)) = accepted else {
            // Out of descriptors or a reset during accept: keep serving.
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        connections.spawn(serve_connection(stream, app.clone(), shutdown.clone()));
    }
    drop(listener);
    let drained = tokio::time::timeout(DRAIN_TIMEOUT, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        connections.abort_all();
    }
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    app: Router,
    mut shutdown: watch::Receiver<bool>,
) {
    let kill = Arc::new(Notify::new());
    let switch = ConnectionKill(kill.clone());
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(switch.clone());
        let mut app = app.clone();
        async move { app.call(request.map(axum::body::Body::new)).await }
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        // Slow or stuck clients cannot hold a connection open forever.
        .header_read_timeout(Duration::from_secs(30))
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => {}
        _ = kill.notified() => {} // dropping the connection closes the socket unanswered
        _ = stopped(&mut shutdown) => {
            connection.as_mut().graceful_shutdown();
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = kill.notified() => {}
            }
        }
    }
}

/// Resolves once stop was requested (or the handle is gone). Returns a
/// plain value so no watch guard lives across an await.
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await.map(|_| ());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contacts::ContactInput;
    use crate::routes::ENDPOINTS;
    use crate::templates::Template;
    use axum::body::Body;
    use axum::http::{header, Request};

    /// Every endpoint of the table reaches a handler (no fallback answer),
    /// so the middleware's table and the router cannot drift apart.
    #[tokio::test]
    async fn every_table_endpoint_reaches_its_handler() {
        let em = Arc::new(Emulator::new(
            "k".into(),
            None,
            "http://127.0.0.1:1".into(),
            Duration::ZERO,
            0,
        ));
        let template = Template::new("T", vec![], "dynamic").unwrap();
        let template_id = template.id.clone();
        em.write().templates.push(template);
        let list_id = em.write().fields.add_list("L").unwrap().id;
        // Two records that are one contact's: the second errors, so the job
        // has an errors file.
        let record = |phone: &str| ContactInput {
            identifiers: [Some("a@x.io".into()), Some(phone.into()), None, None],
            ..ContactInput::default()
        };
        let inputs = vec![record("+14155550100"), record("+14155550101")];
        let requested = inputs.len();
        let work = crate::imports::Work::Upsert(inputs, Vec::new());
        let job_id = crate::imports::submit(&em, work, requested);
        let file_type = crate::export_files::FileType::Csv;
        let export_id = crate::exports::create_export(&em, &[], file_type, 1).unwrap();
        let mut app = router(em.clone());
        for endpoint in ENDPOINTS {
            let id = if endpoint.pattern.contains("imports") {
                &job_id
            } else if endpoint.pattern.contains("exports") {
                &export_id
            } else if endpoint.pattern.contains("lists") {
                &list_id
            } else {
                &template_id
            };
            let path = endpoint
                .pattern
                .replace("{id}", id)
                .replace("{identifier_type}", "email")
                .replace("{file}", "1.csv.gz");
            // Download links need no key; the others get it.
            let key = if endpoint.needs_key { "Bearer k" } else { "" };
            let request = Request::builder()
                .method(endpoint.method.clone())
                .uri(&path)
                .header(header::AUTHORIZATION, key)
                .body(Body::from("{}"))
                .unwrap();
            let response = app.call(request).await.unwrap();
            let status = response.status().as_u16();
            assert!(status != 404 && status != 405, "{path}: {status}");
        }
    }
}
