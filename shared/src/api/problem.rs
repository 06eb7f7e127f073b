//! Errors as the API answers them: one type, one mapping to an RFC 9457 problem body
//! (`application/problem+json`). A 4xx says exactly what is wrong; a 5xx says nothing internal
//! and is logged once, here.

use lambda_http::{Body, Response};
use serde_json::{Value, json};
use tracing::error;

use crate::domain::raise::FieldError;

/// Everything an API handler can answer besides success.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("authentication required")]
    Unauthorized(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("invalid fields")]
    Validation(Vec<FieldError>),
    #[error("bad request: {message}")]
    BadRequest { code: &'static str, message: String },
    #[error("unsupported media type")]
    UnsupportedMediaType(String),
    #[error("payload too large: {0}")]
    PayloadTooLarge(String),
    #[error("conflict: {message}")]
    Conflict {
        code: &'static str,
        message: String,
        extra: Value,
    },
    #[error("unprocessable: {message}")]
    Unprocessable {
        code: &'static str,
        message: String,
        extra: Value,
    },
    /// Something failed inside; the detail goes to the log only.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// A request-level 400.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            message: message.into(),
        }
    }

    /// A 500 whose detail is logged, not shown.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        Self::Internal(detail.to_string())
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            Self::Unauthorized(_) => 401,
            Self::Forbidden(_) => 403,
            Self::NotFound(_) => 404,
            Self::Validation(_) | Self::BadRequest { .. } => 400,
            Self::UnsupportedMediaType(_) => 415,
            Self::PayloadTooLarge(_) => 413,
            Self::Conflict { .. } => 409,
            Self::Unprocessable { .. } => 422,
            Self::Internal(_) => 500,
        }
    }

    /// The problem body.
    pub fn body(&self) -> Value {
        let status = self.status();
        let (code, title, detail) = match self {
            Self::Unauthorized(d) => ("unauthorized", "Authentication required", d.clone()),
            Self::Forbidden(d) => ("forbidden", "Not allowed", d.clone()),
            Self::NotFound(d) => ("not_found", "Not found", d.clone()),
            Self::Validation(errors) => (
                "validation_failed",
                "Invalid request",
                format!(
                    "{} field(s) are invalid: {}",
                    errors.len(),
                    errors
                        .iter()
                        .map(|e| e.field.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            Self::BadRequest { code, message } => (*code, "Bad request", message.clone()),
            Self::UnsupportedMediaType(d) => (
                "unsupported_media_type",
                "Unsupported media type",
                d.clone(),
            ),
            Self::PayloadTooLarge(d) => ("payload_too_large", "Request too large", d.clone()),
            Self::Conflict { code, message, .. } => (*code, "Conflict", message.clone()),
            Self::Unprocessable { code, message, .. } => {
                (*code, "Cannot be processed", message.clone())
            }
            Self::Internal(_) => (
                "internal_error",
                "Internal error",
                "something went wrong on our side; please try again".to_owned(),
            ),
        };
        let mut body = json!({
            "type": format!("urn:support-portal:problem:{code}"),
            "title": title,
            "status": status,
            "detail": detail,
            "code": code,
        });
        if let Self::Validation(errors) = self {
            body["errors"] = json!(errors);
        }
        if let Self::Unprocessable { extra, .. } | Self::Conflict { extra, .. } = self
            && let Value::Object(extra) = extra
        {
            for (k, v) in extra {
                body[k] = v.clone();
            }
        }
        body
    }

    /// The response; a 5xx is logged here, once.
    pub fn into_response(self) -> Response<Body> {
        if let Self::Internal(detail) = &self {
            error!(error = %detail, "request failed");
        }
        let status = self.status();
        let body = self.body().to_string();
        Response::builder()
            .status(status)
            .header("content-type", "application/problem+json")
            .body(Body::Text(body))
            .unwrap_or_else(|_| Response::new(Body::Empty))
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        Self::internal(e)
    }
}
