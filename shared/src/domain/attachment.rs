//! Attachments: photos, screenshots, videos, PDFs and logs, uploaded straight to object
//! storage. Which types are allowed and how large each may be, what a file name may be, and
//! the record kept of each file: pending until the object is really there with the declared
//! size and type, then confirmed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use super::raise::FieldError;
use super::ticket::{Person, Reference};

/// Longest file name, in bytes of UTF-8.
pub const MAX_FILE_NAME_BYTES: usize = 255;
const MB: u64 = 1024 * 1024;

/// The types the portal takes and the largest size of each, in bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentRules {
    pub types: Vec<(String, u64)>,
    /// Most attachments on one ticket.
    pub max_per_ticket: usize,
}

/// A setting that cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{0}` is not a list of type=size entries such as image/png=20MB,video/mp4=500MB")]
pub struct BadRules(pub String);

impl Default for AttachmentRules {
    /// Images and PDFs up to 20 MB, videos up to 500 MB, text logs up to 10 MB; 50 per ticket.
    fn default() -> Self {
        let types = [
            ("image/jpeg", 20 * MB),
            ("image/png", 20 * MB),
            ("image/gif", 20 * MB),
            ("image/webp", 20 * MB),
            ("image/heic", 20 * MB),
            ("application/pdf", 20 * MB),
            ("video/mp4", 500 * MB),
            ("video/quicktime", 500 * MB),
            ("video/webm", 500 * MB),
            ("text/plain", 10 * MB),
            ("text/csv", 10 * MB),
        ];
        Self {
            types: types.iter().map(|(t, s)| ((*t).to_owned(), *s)).collect(),
            max_per_ticket: 50,
        }
    }
}

impl AttachmentRules {
    /// Reads the operator's setting, e.g. `image/png=20MB,video/mp4=500MB,text/plain=10MB`.
    pub fn parse_types(setting: &str) -> Result<Vec<(String, u64)>, BadRules> {
        let bad = || BadRules(setting.to_owned());
        setting
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(|entry| {
                let (kind, size) = entry.split_once('=').ok_or_else(bad)?;
                let size = size.trim();
                let number = size
                    .strip_suffix("MB")
                    .ok_or_else(bad)?
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| bad())?;
                let kind = kind.trim().to_ascii_lowercase();
                if !kind.contains('/') || kind.contains(char::is_whitespace) || number == 0 {
                    return Err(bad());
                }
                Ok((kind, number * MB))
            })
            .collect::<Result<Vec<_>, _>>()
            .and_then(|v| if v.is_empty() { Err(bad()) } else { Ok(v) })
    }

    /// The largest size allowed for a content type, if the type is allowed at all.
    pub fn limit(&self, content_type: &str) -> Option<u64> {
        let essence = content_type.split(';').next().unwrap_or_default().trim();
        self.types
            .iter()
            .find(|(t, _)| t.eq_ignore_ascii_case(essence))
            .map(|(_, size)| *size)
    }
}

/// The body of `POST /tickets/{reference}/attachments`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadRequest {
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub size: Option<u64>,
}

/// A valid upload request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidUpload {
    pub file_name: String,
    pub content_type: String,
    pub size: u64,
}

/// A file name as given, in NFC, refused when it could be read as a path or is not one line.
pub fn file_name(value: &str) -> Result<String, FieldError> {
    let invalid = |message: &str| FieldError {
        field: "file_name".into(),
        code: "invalid",
        message: message.into(),
    };
    let name: String = value.nfc().collect();
    if name.trim().is_empty() {
        return Err(invalid("the file name is empty"));
    }
    if name.len() > MAX_FILE_NAME_BYTES {
        return Err(invalid("the file name is longer than 255 bytes"));
    }
    if name.contains(['/', '\\']) || name == "." || name == ".." {
        return Err(invalid(
            "a file name cannot contain `/` or `\\` or be `.` or `..`",
        ));
    }
    if name.chars().any(super::text::is_line_breaking) {
        return Err(invalid("a file name cannot contain control characters"));
    }
    Ok(name)
}

impl UploadRequest {
    /// Checks the name, the type against the allowed ones and the size against its limit.
    pub fn validate(self, rules: &AttachmentRules) -> Result<ValidUpload, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = match self.file_name.as_deref() {
            Some(n) => file_name(n).map_err(|e| errors.push(e)).ok(),
            None => {
                errors.push(FieldError {
                    field: "file_name".into(),
                    code: "required",
                    message: "give the file's name".into(),
                });
                None
            }
        };
        let content_type = self
            .content_type
            .as_deref()
            .map(str::trim)
            .unwrap_or_default();
        // A bare `type/subtype`: parameters would not survive the round trip through S3.
        let bare = content_type.split_once('/').is_some_and(|(kind, sub)| {
            let token = |t: &str| {
                !t.is_empty()
                    && t.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
            };
            token(kind) && token(sub)
        });
        let limit = if bare {
            rules.limit(content_type)
        } else {
            None
        };
        if limit.is_none() {
            let allowed: Vec<_> = rules.types.iter().map(|(t, _)| t.as_str()).collect();
            errors.push(FieldError {
                field: "content_type".into(),
                code: "not_allowed",
                message: format!(
                    "`{}` is not a type the portal takes; allowed: {}",
                    super::text::single_line(content_type),
                    allowed.join(", ")
                ),
            });
        }
        let size = self.size.unwrap_or(0);
        if size == 0 {
            errors.push(FieldError {
                field: "size".into(),
                code: "required",
                message: "give the file's size in bytes (more than zero)".into(),
            });
        } else if let Some(limit) = limit.filter(|l| size > *l) {
            errors.push(FieldError {
                field: "size".into(),
                code: "too_large",
                message: format!("a file of this type is at most {} MB", limit / MB),
            });
        }
        match (errors.is_empty(), name) {
            (true, Some(file_name)) => Ok(ValidUpload {
                file_name,
                content_type: content_type.to_ascii_lowercase(),
                size,
            }),
            _ => Err(errors),
        }
    }
}

/// Where an attachment is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentState {
    /// An upload URL was issued; the object may or may not be there yet.
    Pending,
    /// The object is there with the declared size and type.
    Confirmed,
}

/// The record of one attachment of a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: String,
    pub reference: Reference,
    pub file_name: String,
    pub content_type: String,
    pub size: u64,
    pub state: AttachmentState,
    pub uploaded_by: Person,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed_at: Option<DateTime<Utc>>,
}

impl Attachment {
    /// Where the browser uploads it: a random key under the ticket's pending prefix, never
    /// derived from the file name or a sequence.
    pub fn upload_key(&self) -> String {
        format!("pending/tickets/{}/{}", self.reference, self.id)
    }

    /// Where it lives once confirmed.
    pub fn stored_key(&self) -> String {
        format!("tickets/{}/{}", self.reference, self.id)
    }

    /// The ticket and attachment an uploaded object's key names, if it is an upload key.
    pub fn parse_upload_key(key: &str) -> Option<(Reference, String)> {
        let rest = key.strip_prefix("pending/tickets/")?;
        let (reference, id) = rest.split_once('/')?;
        let reference = reference.parse().ok()?;
        uuid::Uuid::parse_str(id).ok()?;
        Some((reference, id.to_owned()))
    }

    /// A `Content-Disposition` that carries the original name safely (RFC 6266): an ASCII
    /// fallback, and the exact name percent-encoded as UTF-8.
    pub fn content_disposition(&self) -> String {
        let fallback: String = self
            .file_name
            .chars()
            .map(|c| {
                if c.is_ascii_graphic() && c != '"' && c != '\\' && c != '%' || c == ' ' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let mut encoded = String::with_capacity(self.file_name.len() * 3);
        for byte in self.file_name.bytes() {
            if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
                encoded.push(char::from(byte));
            } else {
                encoded.push_str(&format!("%{byte:02X}"));
            }
        }
        format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_real_cases() {
        for good in [
            "rapport 100%.pdf",
            "Rückseite.jpg",
            "heiß.txt",
            "DummyFile..pdf",
            "données….xlsx",
            "zero\u{200B}width.png",
        ] {
            assert!(file_name(good).is_ok(), "{good}");
        }
        assert_eq!(
            file_name("Ru\u{308}ckseite.jpg").expect("NFD"),
            file_name("Rückseite.jpg").expect("NFC")
        );
        let long = format!("{}.png", "é".repeat(125));
        assert_eq!(long.len(), 254);
        assert!(file_name(&long).is_ok());
        assert!(file_name(&format!("{}.png", "é".repeat(126))).is_err());
        for bad in [
            "../../etc/passwd",
            "a\\b.png",
            ".",
            "..",
            "",
            "  ",
            "a\nb.png",
            "a\u{0}.png",
        ] {
            assert!(file_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn disposition_keeps_the_name_and_stays_one_header() {
        let attachment = Attachment {
            id: "a".into(),
            reference: 1,
            file_name: "rapport 100% \"final\".pdf".into(),
            content_type: "application/pdf".into(),
            size: 1,
            state: AttachmentState::Confirmed,
            uploaded_by: Person {
                user_id: None,
                email: "a@b.example".into(),
                name: "A".into(),
                language: Default::default(),
            },
            created_at: Utc::now(),
            confirmed_at: None,
        };
        assert_eq!(
            attachment.content_disposition(),
            "attachment; filename=\"rapport 100_ _final_.pdf\"; filename*=UTF-8''rapport%20100%25%20%22final%22.pdf"
        );
    }

    #[test]
    fn rules_and_limits() {
        let rules = AttachmentRules::default();
        assert_eq!(rules.limit("image/png"), Some(20 * MB));
        assert_eq!(rules.limit("video/mp4"), Some(500 * MB));
        assert_eq!(rules.limit("application/x-msdownload"), None);
        assert_eq!(
            AttachmentRules::parse_types("image/png=5MB, text/plain=1MB"),
            Ok(vec![
                ("image/png".into(), 5 * MB),
                ("text/plain".into(), MB)
            ])
        );
        assert!(AttachmentRules::parse_types("png").is_err());
        assert!(AttachmentRules::parse_types("image/png=lots").is_err());
    }
}
