//! Amazon SES: sends finished MIME messages with `SendRawEmail`, to the envelope recipients
//! the caller names and no others.

use async_trait::async_trait;
use aws_sdk_ses::primitives::Blob;
use aws_sdk_ses::types::RawMessage;
use base64::Engine;

use crate::ports::{DeliveryError, Mailer, OutgoingEmail};

/// Sends through SES.
#[derive(Debug, Clone)]
pub struct SesMailer {
    client: aws_sdk_ses::Client,
}

impl SesMailer {
    pub fn new(client: aws_sdk_ses::Client) -> Self {
        Self { client }
    }
}

fn failure(message: impl Into<String>) -> DeliveryError {
    DeliveryError {
        service: "ses",
        message: message.into(),
    }
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<String, DeliveryError> {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(&email.raw_base64)
            .map_err(|e| failure(format!("stored message is not base64: {e}")))?;
        let message = RawMessage::builder()
            .data(Blob::new(raw))
            .build()
            .map_err(|e| failure(e.to_string()))?;
        let sent = self
            .client
            .send_raw_email()
            .raw_message(message)
            .set_destinations(Some(email.recipients.clone()))
            .send()
            .await
            .map_err(|e| failure(super::describe(&e)))?;
        Ok(sent.message_id().to_owned())
    }
}
