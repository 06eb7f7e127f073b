//! The HTTPS client every AWS client of a function shares.
//!
//! The SDK's default client trusts the platform's root certificates, and it reads them at the
//! first client it builds: the system's whole store, over a hundred roots (3 ms of each cold
//! start on the benchmark's machine), to verify endpoints that are all signed by one
//! authority. This client is the SDK's default one (hyper 1, rustls on aws-lc, the proxy
//! settings of the environment) with a trust store of just that authority's roots, the five of
//! Amazon Trust Services in `amazon-trust-services.pem`.
//!
//! The SDK's default client is kept where the environment says that something other than
//! AWS's own endpoints is on the way: `SSL_CERT_FILE` or `SSL_CERT_DIR` names a trust store
//! (the default client then trusts exactly that), an endpoint override over HTTPS
//! (`AWS_ENDPOINT_URL`, or one of its per-service forms), or a proxy reached over HTTPS.
//! A plain-HTTP endpoint (the local stack) needs no trust store at all.

use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use aws_smithy_http_client::{Builder, ConnectorBuilder};
use aws_smithy_runtime_api::client::http::SharedHttpClient;

/// The roots of Amazon Trust Services, in PEM.
pub const AMAZON_TRUST_SERVICES: &str = include_str!("amazon-trust-services.pem");

/// The variables that give the machine's own trust store to the TLS stack.
pub const PLATFORM_TRUST_VARIABLES: [&str; 2] = ["SSL_CERT_FILE", "SSL_CERT_DIR"];

/// The SDK's endpoint overrides: for every service, and for the services the functions use.
const ENDPOINT_VARIABLES: [&str; 5] = [
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL_SES",
    "AWS_ENDPOINT_URL_SCHEDULER",
];

/// The proxy settings the SDK's client reads, in both spellings.
const PROXY_VARIABLES: [&str; 4] = ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"];

/// Whether the environment leaves the choice of roots to the SDK's default client.
fn wants_platform_roots(env: &impl Fn(&str) -> Option<String>) -> bool {
    let over_https = |name: &&str| {
        super::set(env, name)
            .is_some_and(|value| value.trim().to_ascii_lowercase().starts_with("https://"))
    };
    PLATFORM_TRUST_VARIABLES
        .iter()
        .any(|name| super::set(env, name).is_some())
        || ENDPOINT_VARIABLES.iter().any(over_https)
        || PROXY_VARIABLES.iter().any(over_https)
}

/// The HTTPS client for an environment (`env` reads a variable): `None` keeps the SDK's
/// default client (see the module's notes for when).
pub fn https_client(env: &impl Fn(&str) -> Option<String>) -> Option<SharedHttpClient> {
    if wants_platform_roots(env) {
        return None;
    }
    // The certificates are parsed when a client is built; the tests build one.
    let trust = TrustStore::empty().with_pem_certificate(AMAZON_TRUST_SERVICES.as_bytes());
    let context = match TlsContext::builder().with_trust_store(trust).build() {
        Ok(context) => context,
        Err(error) => {
            tracing::warn!(%error, "the SDK refused the Amazon trust store; using its default");
            return None;
        }
    };
    Some(
        Builder::new().build_with_connector_fn(move |settings, components| {
            let mut connector = ConnectorBuilder::default()
                .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
                .tls_context(context.clone());
            connector.set_connector_settings(settings.cloned());
            if let Some(components) = components {
                connector.set_sleep_impl(components.sleep_impl());
            }
            connector.set_proxy_config(Some(ProxyConfig::from_env()));
            connector.build()
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use sha2::{Digest, Sha256};

    /// The certificates of the PEM file, as DER.
    fn certificates() -> Vec<Vec<u8>> {
        AMAZON_TRUST_SERVICES
            .split("-----BEGIN CERTIFICATE-----")
            .skip(1)
            .map(|block| {
                let body: String = block
                    .split("-----END CERTIFICATE-----")
                    .next()
                    .unwrap_or_default()
                    .split_whitespace()
                    .collect();
                base64::engine::general_purpose::STANDARD
                    .decode(body)
                    .expect("base64 certificate")
            })
            .collect()
    }

    #[test]
    fn the_trust_store_holds_exactly_the_five_amazon_trust_services_roots() {
        // SHA-256 fingerprints as published at https://www.amazontrust.com/repository/.
        let published = [
            "8ecde6884f3d87b1125ba31ac3fcb13d7016de7f57cc904fe1cb97c6ae98196e", // Amazon Root CA 1
            "1ba5b2aa8c65401a82960118f80bec4f62304d83cec4713a19c39c011ea46db4", // Amazon Root CA 2
            "18ce6cfe7bf14e60b2e347b8dfe868cb31d02ebb3ada271569f50343b46db3a4", // Amazon Root CA 3
            "e35d28419ed02025cfa69038cd623962458da5c695fbdea3c22b0bfb25897092", // Amazon Root CA 4
            "568d6905a2c88708a4b3025190edcfedb1974a606a13c6e5290fcb2ae63edab5", // Starfield G2
        ];
        let fingerprints: Vec<String> = certificates()
            .iter()
            .map(|der| {
                Sha256::digest(der)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect()
            })
            .collect();
        assert_eq!(fingerprints, published);
    }

    /// An environment with one variable set.
    fn only(name: &'static str, value: &'static str) -> impl Fn(&str) -> Option<String> {
        move |variable| (variable == name).then(|| value.to_owned())
    }

    #[test]
    fn a_trust_store_named_by_the_environment_keeps_the_sdk_default_client() {
        for name in PLATFORM_TRUST_VARIABLES {
            assert!(
                https_client(&only(name, "/etc/pki/bundle.pem")).is_none(),
                "{name}"
            );
        }
        assert!(https_client(&|_: &str| Some(String::new())).is_some());
        assert!(https_client(&|_: &str| None).is_some());
    }

    #[test]
    fn an_endpoint_or_proxy_over_https_keeps_the_sdk_default_client() {
        for name in ENDPOINT_VARIABLES.iter().chain(&PROXY_VARIABLES) {
            let env = only(name, " HTTPS://gateway.example:4566");
            assert!(https_client(&env).is_none(), "{name} over HTTPS");
            // The local stack, or a proxy spoken to in plain HTTP, needs no roots of ours.
            let env = only(name, "http://127.0.0.1:5000");
            assert!(https_client(&env).is_some(), "{name} over HTTP");
        }
    }
}
