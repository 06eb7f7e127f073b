//! Amazon S3, for attachments: presigned upload URLs bound to one content type and one
//! length, presigned download URLs, and checking and moving what was uploaded. The bytes never
//! pass through a function.

use std::time::Duration;

use aws_sdk_s3::presigning::PresigningConfig;
use chrono::{DateTime, SubsecRound, Utc};

/// An S3 call failed, or the object is not what was expected.
#[derive(Debug, thiserror::Error)]
#[error("s3: {0}")]
pub struct ObjectError(pub String);

/// A presigned request: the URL and the headers the client must send with it exactly.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PresignedRequest {
    pub method: String,
    pub url: String,
    pub headers: std::collections::BTreeMap<String, String>,
    pub expires_at: DateTime<Utc>,
}

impl PresignedRequest {
    fn of(
        method: &str,
        presigned: &aws_sdk_s3::presigning::PresignedRequest,
        valid_for: Duration,
    ) -> Self {
        Self {
            method: method.to_owned(),
            url: presigned.uri().to_owned(),
            headers: presigned
                .headers()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            // The SDK signs with the system clock, so the expiry is counted from it too.
            expires_at: Utc::now().trunc_subsecs(0)
                + chrono::Duration::from_std(valid_for).unwrap_or_default(),
        }
    }
}

/// What S3 holds under a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    pub size: u64,
    pub content_type: Option<String>,
}

/// The attachments bucket.
#[derive(Debug, Clone)]
pub struct ObjectStore {
    client: aws_sdk_s3::Client,
    bucket: String,
}

fn failure<E: std::error::Error>(e: E) -> ObjectError {
    ObjectError(aws_sdk_s3::error::DisplayErrorContext(e).to_string())
}

impl ObjectStore {
    pub fn new(client: aws_sdk_s3::Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
        }
    }

    /// The bucket's name.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    fn presigning(valid_for: Duration) -> Result<PresigningConfig, ObjectError> {
        PresigningConfig::expires_in(valid_for).map_err(failure)
    }

    /// A URL that lets one PUT of exactly `size` bytes of `content_type` to `key`, for
    /// `valid_for`. Both headers are signed, so S3 refuses any other type or length.
    pub async fn presign_upload(
        &self,
        key: &str,
        content_type: &str,
        size: u64,
        valid_for: Duration,
    ) -> Result<PresignedRequest, ObjectError> {
        let length = i64::try_from(size).map_err(|_| ObjectError("size too large".into()))?;
        let presigned = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .content_length(length)
            .presigned(Self::presigning(valid_for)?)
            .await
            .map_err(failure)?;
        Ok(PresignedRequest::of("PUT", &presigned, valid_for))
    }

    /// A URL that lets one GET of `key` for `valid_for`, answered with the given
    /// `Content-Disposition` and `Content-Type`.
    pub async fn presign_download(
        &self,
        key: &str,
        content_disposition: &str,
        content_type: &str,
        valid_for: Duration,
    ) -> Result<PresignedRequest, ObjectError> {
        let presigned = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .response_content_disposition(content_disposition)
            .response_content_type(content_type)
            .presigned(Self::presigning(valid_for)?)
            .await
            .map_err(failure)?;
        Ok(PresignedRequest::of("GET", &presigned, valid_for))
    }

    /// What is stored under `key`, if anything.
    pub async fn head(&self, key: &str) -> Result<Option<ObjectInfo>, ObjectError> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(out) => Ok(Some(ObjectInfo {
                size: out
                    .content_length()
                    .and_then(|l| u64::try_from(l).ok())
                    .unwrap_or(0),
                content_type: out.content_type().map(str::to_owned),
            })),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(None),
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 404) => Ok(None),
            Err(e) => Err(failure(e)),
        }
    }

    /// Moves an object to its lasting key (a copy, then the delete of the original).
    pub async fn promote(&self, from: &str, to: &str) -> Result<(), ObjectError> {
        self.client
            .copy_object()
            .bucket(&self.bucket)
            .key(to)
            .copy_source(format!("{}/{}", self.bucket, from))
            .send()
            .await
            .map_err(failure)?;
        self.delete(from).await
    }

    /// Deletes an object; one that is not there is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), ObjectError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(failure)?;
        Ok(())
    }
}
