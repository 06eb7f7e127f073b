//! Confirming an upload: an attachment becomes usable only once its object is really in the
//! bucket with the declared size and type. Called by the explicit confirm route and by the
//! function S3 invokes when an object is created; whichever comes first confirms, the other
//! finds it done.

use tracing::{info, warn};

use crate::adapters::s3::ObjectError;
use crate::app::App;
use crate::domain::attachment::{Attachment, AttachmentState};
use crate::store::StoreError;

/// Why an attachment could not be confirmed.
#[derive(Debug, thiserror::Error)]
pub enum ConfirmError {
    /// Nothing was uploaded (yet) with the URL.
    #[error("the file has not been uploaded")]
    NotUploaded,
    /// Something else than declared was uploaded; it was removed.
    #[error("{0}")]
    Mismatch(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Objects(#[from] ObjectError),
}

/// Confirms an attachment if its upload is there and as declared; returns it confirmed.
pub async fn confirm(app: &App, attachment: Attachment) -> Result<Attachment, ConfirmError> {
    if attachment.state == AttachmentState::Confirmed {
        return Ok(attachment);
    }
    let upload_key = attachment.upload_key();
    let stored_key = attachment.stored_key();
    match app.objects.head(&upload_key).await? {
        Some(object) => {
            let declared_type = attachment.content_type.as_str();
            let same_type = object.content_type.as_deref().is_some_and(|t| {
                t.split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .eq_ignore_ascii_case(declared_type)
            });
            if object.size != attachment.size || !same_type {
                app.objects.delete(&upload_key).await?;
                warn!(reference = attachment.reference, attachment = %attachment.id,
                    "uploaded object differs from what was declared; removed");
                return Err(ConfirmError::Mismatch(format!(
                    "the uploaded file is {} bytes of {}, not the {} bytes of {} declared; upload it again",
                    object.size,
                    object.content_type.as_deref().unwrap_or("an unknown type"),
                    attachment.size,
                    attachment.content_type
                )));
            }
            app.objects.promote(&upload_key, &stored_key).await?;
        }
        // Moved already by a confirmation that stopped before recording it.
        None if app.objects.head(&stored_key).await?.is_some() => {}
        None => return Err(ConfirmError::NotUploaded),
    }
    let confirmed = Attachment {
        state: AttachmentState::Confirmed,
        confirmed_at: Some(app.clock.now()),
        ..attachment
    };
    app.store.confirm_attachment(&confirmed).await?;
    info!(reference = confirmed.reference, attachment = %confirmed.id, "attachment confirmed");
    Ok(confirmed)
}

/// Confirms the attachment an uploaded object's key names (the S3 object-created event).
pub async fn confirm_uploaded_key(app: &App, key: &str) -> Result<bool, ConfirmError> {
    let Some((reference, id)) = Attachment::parse_upload_key(key) else {
        warn!(key, "object created outside the upload prefix; ignored");
        return Ok(false);
    };
    let Some(attachment) = app.store.attachment(reference, &id).await? else {
        warn!(reference, attachment = %id, "upload for an unknown or expired attachment");
        return Ok(false);
    };
    confirm(app, attachment).await.map(|_| true)
}
