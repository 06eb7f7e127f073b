//! Turns rendered parts into a complete MIME message: encoded headers (RFC 2047, folded, and
//! shortened before encoding, never after), a plain-text and an HTML part, and the headers
//! that mark it as automatic mail so that auto-replies do not answer it.

use base64::Engine;
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message, MultiPart};

use crate::domain::text;
use crate::ports::OutgoingEmail;

use super::templates::Rendered;

/// Longest subject line, in characters, before it is shortened with an ellipsis.
pub const MAX_SUBJECT_CHARS: usize = 150;

/// The message could not be built: a bad configured address, never user input.
#[derive(Debug, thiserror::Error)]
#[error("cannot compose e-mail: {0}")]
pub struct ComposeError(String);

/// Someone to write to or from: an address and a display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub name: String,
    pub email: String,
}

/// `Auto-Submitted: auto-generated` (RFC 3834): this mail was sent by a program.
#[derive(Debug, Clone)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}

/// `X-Auto-Response-Suppress: All`: asks Exchange and Outlook not to auto-reply.
#[derive(Debug, Clone)]
struct AutoResponseSuppress;

impl Header for AutoResponseSuppress {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("X-Auto-Response-Suppress")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "All".to_owned())
    }
}

fn mailbox(who: &Recipient) -> Result<Mailbox, ComposeError> {
    let address = who
        .email
        .parse()
        .map_err(|e| ComposeError(format!("address `{}`: {e}", who.email)))?;
    let name = text::shorten(&text::single_line(&who.name), 80);
    Ok(Mailbox::new((!name.is_empty()).then_some(name), address))
}

/// Builds the message from `from` to one recipient. User text can reach the subject and the
/// display names, so both are made single-line and shortened here, whatever was stored.
pub fn compose(
    purpose: &str,
    from: &Recipient,
    to: &Recipient,
    rendered: &Rendered,
) -> Result<OutgoingEmail, ComposeError> {
    let subject = text::shorten(&text::single_line(&rendered.subject), MAX_SUBJECT_CHARS);
    let domain = from.email.rsplit('@').next().unwrap_or("localhost");
    let message = Message::builder()
        .from(mailbox(from)?)
        .to(mailbox(to)?)
        .subject(subject)
        .message_id(Some(format!("<{}@{domain}>", uuid::Uuid::new_v4())))
        .header(AutoSubmitted)
        .header(AutoResponseSuppress)
        .multipart(MultiPart::alternative_plain_html(
            rendered.text.clone(),
            rendered.html.clone(),
        ))
        .map_err(|e| ComposeError(e.to_string()))?;
    Ok(OutgoingEmail {
        purpose: purpose.to_owned(),
        recipients: vec![to.email.clone()],
        raw_base64: base64::engine::general_purpose::STANDARD.encode(message.formatted()),
    })
}
