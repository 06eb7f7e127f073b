//! One adapter per AWS service, each behind a port of `crate::ports` or, for DynamoDB, the
//! store in `crate::store`. The SDK configuration is loaded once per cold start and every
//! client is built from it.

pub mod s3;
pub mod scheduler;
pub mod ses;

use aws_config::{BehaviorVersion, SdkConfig};

/// Every AWS client a function may use, built from one SDK configuration.
#[derive(Debug, Clone)]
pub struct AwsClients {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub s3: aws_sdk_s3::Client,
    pub ses: aws_sdk_ses::Client,
    pub scheduler: aws_sdk_scheduler::Client,
}

impl AwsClients {
    /// Loads the SDK configuration from the environment (Lambda's role, region, and
    /// `AWS_ENDPOINT_URL` when pointed at a local stack).
    pub async fn from_env() -> Self {
        let sdk = aws_config::defaults(BehaviorVersion::latest()).load().await;
        Self::from_sdk_config(&sdk)
    }

    /// Builds every client from one configuration. Against a local stack (an endpoint
    /// override), S3 is addressed path-style, as local servers expect.
    pub fn from_sdk_config(sdk: &SdkConfig) -> Self {
        let s3 = aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(sdk.endpoint_url().is_some())
            .build();
        Self {
            dynamodb: aws_sdk_dynamodb::Client::new(sdk),
            s3: aws_sdk_s3::Client::from_conf(s3),
            ses: aws_sdk_ses::Client::new(sdk),
            scheduler: aws_sdk_scheduler::Client::new(sdk),
        }
    }
}

/// The service's own description of an SDK error, without request ids or internals.
pub(crate) fn describe<E, R>(err: &aws_sdk_dynamodb::error::SdkError<E, R>) -> String
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match err.as_service_error() {
        Some(service) => format!(
            "{}: {}",
            service.code().unwrap_or("service error"),
            service.message().unwrap_or_default()
        ),
        None => aws_sdk_dynamodb::error::DisplayErrorContext(err).to_string(),
    }
}
