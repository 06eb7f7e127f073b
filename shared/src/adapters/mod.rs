//! One adapter per AWS service, each behind a port of `crate::ports` or, for DynamoDB, the
//! store in `crate::store`. The SDK configuration is loaded once per cold start and every
//! client is built from it.

pub mod s3;
pub mod scheduler;
pub mod ses;
pub mod tls;

use aws_config::{BehaviorVersion, ConfigLoader, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;

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
        let sdk = Self::sdk_loader(&|name| std::env::var(name).ok())
            .load()
            .await;
        Self::from_sdk_config(&sdk)
    }

    /// The SDK's configuration loader for an environment (`env` reads a variable), set for a
    /// quick cold start. It takes what Lambda gives every function directly: the region
    /// (`AWS_REGION`) and the role's credentials (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_SESSION_TOKEN`), which the default chains would find first anyway after building
    /// their other providers (STS for web identity, the instance metadata client, profiles).
    /// Without them it is the SDK's default chains. The HTTPS client is `tls::https_client`'s.
    pub fn sdk_loader(env: &impl Fn(&str) -> Option<String>) -> ConfigLoader {
        let set = |name: &str| set(env, name);
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(client) = tls::https_client(env) {
            loader = loader.http_client(client);
        }
        if let Some(region) = set("AWS_REGION") {
            loader = loader.region(Region::new(region));
        }
        if let (Some(key), Some(secret)) = (set("AWS_ACCESS_KEY_ID"), set("AWS_SECRET_ACCESS_KEY"))
        {
            let mut credentials = Credentials::builder()
                .access_key_id(key)
                .secret_access_key(secret)
                .provider_name("Environment");
            credentials.set_session_token(set("AWS_SESSION_TOKEN"));
            credentials.set_account_id(set("AWS_ACCOUNT_ID").map(Into::into));
            loader = loader.credentials_provider(credentials.build());
        }
        loader
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

/// A variable of `env` that is set to something other than blanks.
fn set(env: &impl Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    env(name).filter(|value| !value.trim().is_empty())
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

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::config::ProvideCredentials;
    use std::collections::HashMap;

    fn environment(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[tokio::test]
    async fn lambda_s_region_and_role_credentials_are_taken_from_the_environment() {
        let env = environment(&[
            ("AWS_REGION", "eu-central-1"),
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_SESSION_TOKEN", "session"),
            ("AWS_ACCOUNT_ID", "123456789012"),
        ]);
        let sdk = AwsClients::sdk_loader(&env).load().await;
        assert_eq!(sdk.region().map(Region::as_ref), Some("eu-central-1"));
        let credentials = sdk
            .credentials_provider()
            .expect("a credentials provider")
            .provide_credentials()
            .await
            .expect("credentials");
        assert_eq!(credentials.access_key_id(), "AKIDEXAMPLE");
        assert_eq!(credentials.secret_access_key(), "secret");
        assert_eq!(credentials.session_token(), Some("session"));
        assert_eq!(
            credentials.account_id().map(|id| id.as_str()),
            Some("123456789012")
        );
        assert!(
            sdk.http_client().is_some(),
            "the Amazon trust store's client"
        );
        // Building the clients builds their connectors, which parse the trust store.
        let _ = AwsClients::from_sdk_config(&sdk);
    }
}
