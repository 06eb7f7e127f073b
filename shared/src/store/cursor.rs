//! Opaque pagination cursors: the sort-key position of the last item a page showed, in
//! URL-safe base64 so clients pass it back without reading it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Where the next page starts (exclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor(String);

/// A cursor the client sent that this service never issued.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the cursor is not one this service issued")]
pub struct BadCursor;

/// Longest position a cursor may carry.
const MAX_POSITION: usize = 512;

impl Cursor {
    pub fn new(position: &str) -> Self {
        Self(position.to_owned())
    }

    /// Reads a cursor from its token.
    pub fn decode(token: &str) -> Result<Self, BadCursor> {
        let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| BadCursor)?;
        let position = String::from_utf8(bytes).map_err(|_| BadCursor)?;
        if position.is_empty()
            || position.len() > MAX_POSITION
            || position.chars().any(char::is_control)
        {
            return Err(BadCursor);
        }
        Ok(Self(position))
    }

    /// The token handed to clients.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0.as_bytes())
    }

    pub fn position(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let c = Cursor::new("MSG#2026-12-03T10:00:00.000Z#0193");
        assert_eq!(Cursor::decode(&c.encode()), Ok(c));
        assert_eq!(Cursor::decode("!!!"), Err(BadCursor));
        assert_eq!(Cursor::decode(""), Err(BadCursor));
    }
}
