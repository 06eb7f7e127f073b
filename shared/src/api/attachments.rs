//! The attachment routes, one function behind them all:
//! `POST /tickets/{reference}/attachments` (an upload URL for one file),
//! `POST /tickets/{reference}/attachments/{id}/confirm` (the upload is done),
//! `GET /tickets/{reference}/attachments` (the list) and
//! `GET /tickets/{reference}/attachments/{id}` (a download URL).
//! Every route first checks that the caller may see the ticket.

use std::time::Duration;

use chrono::{DateTime, Utc};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use serde_json::json;

use super::problem::ApiError;
use super::request;
use crate::adapters::s3::PresignedRequest;
use crate::app::App;
use crate::attachments::{self, ConfirmError};
use crate::domain::attachment::{Attachment, AttachmentState, UploadRequest};
use crate::domain::ticket::{Person, Status};

/// How long an upload URL works.
const UPLOAD_URL_VALIDITY: Duration = Duration::from_secs(5 * 60);
/// How long a download URL works.
const DOWNLOAD_URL_VALIDITY: Duration = Duration::from_secs(5 * 60);

/// An attachment as the API shows it.
#[derive(Debug, Serialize)]
pub struct AttachmentView {
    pub id: String,
    pub file_name: String,
    pub content_type: String,
    pub size: u64,
    pub state: AttachmentState,
    pub uploaded_by: String,
    pub created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirmed_at: Option<DateTime<Utc>>,
}

impl From<&Attachment> for AttachmentView {
    fn from(a: &Attachment) -> Self {
        Self {
            id: a.id.clone(),
            file_name: a.file_name.clone(),
            content_type: a.content_type.clone(),
            size: a.size,
            state: a.state,
            uploaded_by: a.uploaded_by.name.clone(),
            created_at: a.created_at,
            confirmed_at: a.confirmed_at,
        }
    }
}

#[derive(Debug, Serialize)]
struct WithRequest {
    #[serde(flatten)]
    attachment: AttachmentView,
    #[serde(skip_serializing_if = "Option::is_none")]
    upload: Option<PresignedRequest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    download: Option<PresignedRequest>,
}

/// Every attachment route.
pub async fn handle(app: &App, req: Request) -> Response<Body> {
    let id = request::path_parameter(&req, "id");
    // Ids are UUIDs; anything else names no attachment.
    if id
        .as_deref()
        .is_some_and(|i| uuid::Uuid::parse_str(i).is_err())
    {
        // Anything else names no attachment, once the caller is known.
        let caller = request::caller(&req);
        return super::respond(caller.and(Err(ApiError::NotFound("no such attachment".into()))));
    }
    let confirm = req.uri().path().trim_end_matches('/').ends_with("/confirm");
    let result = match (req.method().as_str(), id) {
        ("POST", None) => create(app, &req).await,
        ("POST", Some(id)) if confirm => confirm_upload(app, &req, &id).await,
        ("GET", None) => list(app, &req).await,
        ("GET", Some(id)) => download(app, &req, &id).await,
        _ => Err(ApiError::NotFound("no such route".into())),
    };
    super::respond(result)
}

async fn create(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = request::caller(req)?;
    let reference = request::reference(req)?;
    let body: UploadRequest = request::json(request::body_bytes(req)?)?;
    let upload = body
        .validate(&app.config.attachment_rules)
        .map_err(ApiError::Validation)?;
    let ticket = super::visible_ticket(app, &caller, reference).await?;
    if ticket.status == Status::Closed {
        return Err(super::changes::refusal(
            crate::domain::lifecycle::Refusal::Closed,
            reference,
        ));
    }

    let now = app.clock.now();
    let attachment = Attachment {
        id: uuid::Uuid::new_v4().to_string(),
        reference,
        file_name: upload.file_name,
        content_type: upload.content_type,
        size: upload.size,
        state: AttachmentState::Pending,
        uploaded_by: Person::from_caller(&caller),
        created_at: now,
        confirmed_at: None,
    };
    let max = app.config.attachment_rules.max_per_ticket;
    if !app.store.add_attachment(&attachment, max).await? {
        return Err(ApiError::Conflict {
            code: "too_many_attachments",
            message: format!("ticket {reference} has {max} attachments already"),
            extra: json!({ "max_per_ticket": max }),
        });
    }
    let url = app
        .objects
        .presign_upload(
            &attachment.upload_key(),
            &attachment.content_type,
            attachment.size,
            UPLOAD_URL_VALIDITY,
        )
        .await
        .map_err(ApiError::internal)?;
    let view = WithRequest {
        attachment: (&attachment).into(),
        upload: Some(url),
        download: None,
    };
    Ok(request::json_response(201, &view))
}

async fn confirm_upload(app: &App, req: &Request, id: &str) -> Result<Response<Body>, ApiError> {
    let caller = request::caller(req)?;
    let reference = request::reference(req)?;
    super::visible_ticket(app, &caller, reference).await?;
    let attachment = found(app.store.attachment(reference, id).await?, id)?;
    let confirmed = attachments::confirm(app, attachment)
        .await
        .map_err(|e| match e {
            ConfirmError::NotUploaded => ApiError::Conflict {
                code: "attachment_not_uploaded",
                message: format!("nothing has been uploaded for attachment {id} yet"),
                extra: json!({}),
            },
            ConfirmError::Mismatch(message) => ApiError::Unprocessable {
                code: "attachment_mismatch",
                message,
                extra: json!({}),
            },
            other => ApiError::internal(other),
        })?;
    Ok(request::json_response(
        200,
        &AttachmentView::from(&confirmed),
    ))
}

async fn list(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = request::caller(req)?;
    let reference = request::reference(req)?;
    super::visible_ticket(app, &caller, reference).await?;
    let items: Vec<AttachmentView> = app
        .store
        .attachments(reference)
        .await?
        .iter()
        .map(AttachmentView::from)
        .collect();
    Ok(request::json_response(200, &json!({ "items": items })))
}

async fn download(app: &App, req: &Request, id: &str) -> Result<Response<Body>, ApiError> {
    let caller = request::caller(req)?;
    let reference = request::reference(req)?;
    super::visible_ticket(app, &caller, reference).await?;
    let attachment = found(app.store.attachment(reference, id).await?, id)?;
    if attachment.state != AttachmentState::Confirmed {
        return Err(ApiError::Conflict {
            code: "attachment_pending",
            message: format!("attachment {id} has not been uploaded and confirmed yet"),
            extra: json!({}),
        });
    }
    let url = app
        .objects
        .presign_download(
            &attachment.stored_key(),
            &attachment.content_disposition(),
            &attachment.content_type,
            DOWNLOAD_URL_VALIDITY,
        )
        .await
        .map_err(ApiError::internal)?;
    let view = WithRequest {
        attachment: (&attachment).into(),
        upload: None,
        download: Some(url),
    };
    Ok(request::json_response(200, &view))
}

/// An attachment id that names nothing on this ticket is a 404, like a ticket one cannot see.
fn found(attachment: Option<Attachment>, id: &str) -> Result<Attachment, ApiError> {
    attachment.ok_or_else(|| ApiError::NotFound(format!("no attachment `{id}` on this ticket")))
}
