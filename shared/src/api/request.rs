//! Reading an API Gateway HTTP API request: the caller from the JWT authorizer's claims, path
//! and query parameters, and a JSON body whose errors name the field at fault.

use std::collections::HashMap;

use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::problem::ApiError;
use crate::domain::identity::{Caller, IdentityError};
use crate::domain::ticket::Reference;
use crate::store::Cursor;

/// Largest JSON body accepted. Files never travel through the API: they are uploaded to
/// object storage through presigned URLs.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// The caller, from the claims API Gateway verified. No claims, or unusable ones, is a 401.
pub fn caller(req: &Request) -> Result<Caller, ApiError> {
    let claims: HashMap<String, String> = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx
            .authorizer
            .as_ref()
            .and_then(|a| a.jwt.as_ref())
            .map(|jwt| jwt.claims.clone())
            .unwrap_or_default(),
        _ => HashMap::new(),
    };
    Caller::from_claims(&claims).map_err(|e| match e {
        IdentityError::Missing => ApiError::Unauthorized("sign in to use the portal".into()),
        other => ApiError::Unauthorized(other.to_string()),
    })
}

/// The `{reference}` path parameter. Something that is not a reference cannot name a ticket,
/// so it is a 404 like any ticket the caller cannot see.
pub fn reference(req: &Request) -> Result<Reference, ApiError> {
    let raw = path_parameter(req, "reference").unwrap_or_default();
    // Only the canonical spelling: digits, no sign, no leading zero.
    let canonical =
        !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) && !raw.starts_with('0');
    raw.parse::<Reference>()
        .ok()
        .filter(|_| canonical)
        .ok_or_else(|| ApiError::NotFound(format!("no ticket `{raw}`")))
}

/// A path parameter of the route (`{id}`, `{serial}`…), if the route has it.
pub fn path_parameter(req: &Request, name: &str) -> Option<String> {
    req.path_parameters_ref()
        .and_then(|p| p.first(name))
        .map(str::to_owned)
}

/// The query string as name → value; a parameter given twice or not in `allowed` is a 400.
pub fn query(req: &Request, allowed: &[&str]) -> Result<HashMap<String, String>, ApiError> {
    let mut out = HashMap::new();
    if let Some(params) = req.query_string_parameters_ref() {
        for (name, _) in params.iter() {
            if !allowed.contains(&name) {
                return Err(ApiError::bad_request(
                    "unknown_parameter",
                    format!(
                        "unknown query parameter `{name}`; accepted: {}",
                        allowed.join(", ")
                    ),
                ));
            }
            let values = params.all(name).unwrap_or_default();
            if values.len() > 1 {
                return Err(ApiError::bad_request(
                    "repeated_parameter",
                    format!("query parameter `{name}` is given more than once"),
                ));
            }
            if let Some(value) = values.first() {
                out.insert(name.to_owned(), (*value).to_owned());
            }
        }
    }
    Ok(out)
}

/// A page size from `limit`, between 1 and `max`.
pub fn limit(
    params: &HashMap<String, String>,
    default: usize,
    max: usize,
) -> Result<usize, ApiError> {
    match params.get("limit") {
        None => Ok(default),
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_limit",
                    format!("`limit` is a whole number from 1 to {max}"),
                )
            }),
    }
}

/// The `cursor` parameter, if any.
pub fn cursor(params: &HashMap<String, String>) -> Result<Option<Cursor>, ApiError> {
    params
        .get("cursor")
        .map(|token| {
            Cursor::decode(token)
                .map_err(|e| ApiError::bad_request("invalid_cursor", e.to_string()))
        })
        .transpose()
}

/// The raw JSON body of a request whose body is optional: empty is fine, anything else must
/// pass the same checks as `body_bytes`.
pub fn body_bytes_or_empty(req: &Request) -> Result<&[u8], ApiError> {
    match req.body() {
        Body::Empty => Ok(b""),
        Body::Text(t) if t.trim().is_empty() => Ok(b""),
        _ => body_bytes(req),
    }
}

/// The raw JSON body, after the size and media-type checks.
pub fn body_bytes(req: &Request) -> Result<&[u8], ApiError> {
    let bytes: &[u8] = match req.body() {
        Body::Empty => b"",
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => b"",
    };
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge(format!(
            "the body is {} bytes; the limit is {MAX_BODY_BYTES}. Upload files through an attachment upload URL instead",
            bytes.len()
        )));
    }
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case("application/json") {
        return Err(ApiError::UnsupportedMediaType(
            "send the body as application/json".into(),
        ));
    }
    Ok(bytes)
}

/// Parses a JSON body; a type error names the field's path (e.g. `counters[2]`).
pub fn json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.is_empty() {
        return Err(ApiError::bad_request(
            "missing_body",
            "the request needs a JSON body",
        ));
    }
    // serde would also read a struct from an array: only an object is a request body.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::bad_request(
            "invalid_json",
            "the body is a JSON object",
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let malformed = matches!(
            inner.classify(),
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof
        );
        if malformed || path == "." || path.is_empty() {
            ApiError::bad_request(
                "invalid_json",
                format!("the body is not valid JSON: {inner}"),
            )
        } else {
            ApiError::Validation(vec![crate::domain::raise::FieldError {
                field: path,
                code: "invalid_type",
                message: inner.to_string(),
            }])
        }
    })?;
    // Nothing may follow the object: `{..} garbage` is not a request.
    de.end().map_err(|e| {
        ApiError::bad_request("invalid_json", format!("the body is not valid JSON: {e}"))
    })?;
    Ok(value)
}

/// A JSON response.
pub fn json_response(status: u16, body: &impl Serialize) -> Response<Body> {
    match serde_json::to_string(body) {
        Ok(text) => Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(Body::Text(text))
            .unwrap_or_else(|_| Response::new(Body::Empty)),
        Err(e) => ApiError::internal(e).into_response(),
    }
}
