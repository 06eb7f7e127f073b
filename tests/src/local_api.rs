//! The API on a laptop: every route of the HTTP API served on a loopback port with the same
//! paths, turned into the same API Gateway HTTP API (v2) events and given to the same
//! handlers, against the local AWS stack. Development tokens (HS256, signed with a local
//! secret) stand in for the JWT authorizer: their claims become the authorizer's claims,
//! and a request without a valid one is refused with 401 as API Gateway would.

use std::collections::HashMap;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The secret development tokens are signed with. Local use only: the deployed API verifies
/// real tokens of the identity provider.
pub const DEV_SECRET: &[u8] = b"support-portal local development only";

/// Which function serves a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    RaiseTicket,
    GetTicket,
    ListTickets,
    ListMessages,
    PostMessage,
    UpdateTicket,
    CloseTicket,
    Attachments,
    Rma,
    Tasks,
    Overview,
}

/// Every route of `infra/template.yaml`: method, path template, function.
pub const ROUTES: &[(&str, &str, Function)] = &[
    ("POST", "/tickets", Function::RaiseTicket),
    ("GET", "/tickets", Function::ListTickets),
    ("GET", "/tickets/{reference}", Function::GetTicket),
    ("PATCH", "/tickets/{reference}", Function::UpdateTicket),
    (
        "GET",
        "/tickets/{reference}/messages",
        Function::ListMessages,
    ),
    (
        "POST",
        "/tickets/{reference}/messages",
        Function::PostMessage,
    ),
    (
        "POST",
        "/tickets/{reference}/proposal",
        Function::CloseTicket,
    ),
    ("POST", "/tickets/{reference}/close", Function::CloseTicket),
    (
        "POST",
        "/tickets/{reference}/handover",
        Function::UpdateTicket,
    ),
    (
        "POST",
        "/tickets/{reference}/attachments",
        Function::Attachments,
    ),
    (
        "GET",
        "/tickets/{reference}/attachments",
        Function::Attachments,
    ),
    (
        "GET",
        "/tickets/{reference}/attachments/{id}",
        Function::Attachments,
    ),
    (
        "POST",
        "/tickets/{reference}/attachments/{id}/confirm",
        Function::Attachments,
    ),
    ("POST", "/tickets/{reference}/rmas", Function::Rma),
    ("GET", "/tickets/{reference}/rmas", Function::Rma),
    (
        "POST",
        "/tickets/{reference}/rmas/{id}/steps",
        Function::Rma,
    ),
    ("GET", "/devices/{serial}/history", Function::Rma),
    ("POST", "/tickets/{reference}/tasks", Function::Tasks),
    ("GET", "/tickets/{reference}/tasks", Function::Tasks),
    ("PATCH", "/tickets/{reference}/tasks/{id}", Function::Tasks),
    ("GET", "/overview", Function::Overview),
];

/// The methods served on a path, whatever the method asked: for `405 Method Not Allowed`.
pub fn methods_for(path: &str) -> Vec<&'static str> {
    ROUTES
        .iter()
        .filter(|(method, _, _)| route(method, path).is_some())
        .map(|(method, _, _)| *method)
        .collect()
}

/// The route a request matches, with its path parameters.
pub fn route(
    method: &str,
    path: &str,
) -> Option<(&'static str, Function, HashMap<String, String>)> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    for (m, template, function) in ROUTES {
        if !m.eq_ignore_ascii_case(method) {
            continue;
        }
        let parts: Vec<&str> = template.split('/').collect();
        if parts.len() != segments.len() {
            continue;
        }
        let mut params = HashMap::new();
        let matched = parts.iter().zip(&segments).all(|(part, segment)| {
            match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                Some(name) if !segment.is_empty() => {
                    params.insert(name.to_owned(), percent_decode(segment));
                    true
                }
                Some(_) => false,
                None => part == segment,
            }
        });
        if matched {
            return Some((template, *function, params));
        }
    }
    None
}

fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = segment
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The claims of a development token: the ones the backend reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DevClaims {
    pub sub: String,
    pub email: String,
    pub name: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub managed_account_ids: Vec<String>,
    pub locale: String,
    pub exp: u64,
}

/// Signs a development token.
pub fn sign(claims: &DevClaims) -> Result<String, jsonwebtoken::errors::Error> {
    let key = EncodingKey::from_secret(DEV_SECRET)?;
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &key)
}

/// Verifies a bearer token and returns the claims as API Gateway passes them: every value a
/// string, an array as `[a b]`.
pub fn verify(authorization: Option<&str>) -> Option<HashMap<String, String>> {
    let token = authorization?.strip_prefix("Bearer ")?.trim();
    let key = DecodingKey::from_secret(DEV_SECRET).ok()?;
    let data =
        jsonwebtoken::decode::<DevClaims>(token, &key, &Validation::new(Algorithm::HS256)).ok()?;
    let c = data.claims;
    let mut claims = HashMap::from([
        ("sub".to_owned(), c.sub),
        ("email".to_owned(), c.email),
        ("name".to_owned(), c.name),
        ("role".to_owned(), c.role),
        ("locale".to_owned(), c.locale),
        ("exp".to_owned(), c.exp.to_string()),
    ]);
    if let Some(account) = c.account_id {
        claims.insert("account_id".to_owned(), account);
    }
    if !c.managed_account_ids.is_empty() {
        claims.insert(
            "managed_account_ids".to_owned(),
            format!("[{}]", c.managed_account_ids.join(" ")),
        );
    }
    Some(claims)
}

/// An HTTP request as the local API received it, matched to its route.
#[derive(Debug)]
pub struct Incoming<'a> {
    pub method: &'a str,
    pub template: &'a str,
    pub path: &'a str,
    pub raw_query: &'a str,
    pub headers: &'a HashMap<String, String>,
    pub path_parameters: &'a HashMap<String, String>,
    pub claims: &'a HashMap<String, String>,
    pub body: &'a str,
}

/// The API Gateway HTTP API (v2) event for a request, as Lambda would receive it.
pub fn event(request: &Incoming<'_>) -> Value {
    let Incoming {
        method,
        template,
        path,
        raw_query,
        headers,
        path_parameters,
        claims,
        body,
    } = request;
    let mut query: serde_json::Map<String, Value> = serde_json::Map::new();
    for pair in raw_query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (
            percent_decode(&k.replace('+', " ")),
            percent_decode(&v.replace('+', " ")),
        );
        // API Gateway joins repeated parameters with commas.
        match query.get_mut(&k) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(&v);
            }
            _ => {
                query.insert(k, Value::String(v));
            }
        }
    }
    let now = chrono::Utc::now();
    json!({
        "version": "2.0",
        "routeKey": format!("{method} {template}"),
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": headers,
        "queryStringParameters": if query.is_empty() { Value::Null } else { Value::Object(query) },
        "pathParameters": if path_parameters.is_empty() { Value::Null } else { json!(path_parameters) },
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "authorizer": { "jwt": { "claims": claims, "scopes": null } },
            "domainName": "localhost",
            "domainPrefix": "localhost",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": headers.get("user-agent").cloned().unwrap_or_default(),
            },
            "requestId": uuid::Uuid::new_v4().to_string(),
            "routeKey": format!("{method} {template}"),
            "stage": "$default",
            "time": now.format("%d/%b/%Y:%H:%M:%S %z").to_string(),
            "timeEpoch": now.timestamp_millis(),
        },
        "body": body,
        "isBase64Encoded": false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_match_with_their_parameters() {
        let (template, function, params) =
            route("POST", "/tickets/10042/attachments/abc/confirm").expect("route");
        assert_eq!(template, "/tickets/{reference}/attachments/{id}/confirm");
        assert_eq!(function, Function::Attachments);
        assert_eq!(params["reference"], "10042");
        assert_eq!(params["id"], "abc");
        assert!(route("DELETE", "/tickets/1").is_none());
        assert!(route("GET", "/nowhere").is_none());
    }

    #[test]
    fn tokens_round_trip_into_gateway_claims() {
        let token = sign(&DevClaims {
            sub: "u1".into(),
            email: "a@b.example".into(),
            name: "A".into(),
            role: "reseller".into(),
            account_id: None,
            managed_account_ids: vec!["acc-a".into(), "acc-b".into()],
            locale: "fr".into(),
            exp: 4_102_444_800,
        })
        .expect("sign");
        let claims = verify(Some(&format!("Bearer {token}"))).expect("valid");
        assert_eq!(claims["managed_account_ids"], "[acc-a acc-b]");
        assert!(verify(Some("Bearer nonsense")).is_none());
        assert!(verify(None).is_none());
    }
}
