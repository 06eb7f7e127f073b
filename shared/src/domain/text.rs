//! Rules for user text that ends up in storage, headers and e-mails: Unicode normalisation,
//! line-break and control-character checks, e-mail addresses, and shortening on character
//! boundaries.

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// Unicode NFC form, so that the same words typed on different systems compare and show alike.
/// Text that is already NFC (all ASCII text, and most of what keyboards type) is copied as it
/// is, without running the composition.
pub fn nfc(value: &str) -> String {
    match is_nfc_quick(value.chars()) {
        IsNormalized::Yes => value.to_owned(),
        IsNormalized::No | IsNormalized::Maybe => value.nfc().collect(),
    }
}

/// Characters that break a line, steer a terminal or reorder what a reader sees: C0/C1
/// controls, DEL, the Unicode line and paragraph separators, and the bidirectional overrides
/// and isolates (which can make `gpj.exe` read as `exe.jpg`). None belongs in a one-line field.
pub fn is_line_breaking(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// True when the text shows nothing: only white space and invisible formatting characters
/// (zero-width spaces and joiners, word joiner, byte-order mark).
pub fn is_blank(value: &str) -> bool {
    value.chars().all(|c| {
        c.is_whitespace()
            || matches!(
                c,
                '\u{00AD}' | '\u{115F}' | '\u{1160}' | '\u{200B}'
                    ..='\u{200F}' | '\u{2060}' | '\u{2800}' | '\u{3164}' | '\u{FEFF}' | '\u{FFA0}'
            )
    })
}

/// True when a one-line field (subject, name, id) holds a line break or control character.
pub fn has_line_breaks(value: &str) -> bool {
    value.chars().any(is_line_breaking)
}

/// True when multi-line text (a description) holds a control character other than tab and
/// line breaks.
pub fn has_stray_controls(value: &str) -> bool {
    value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// Turns any text into one clean line: each run of line-breaking characters becomes one space.
pub fn single_line(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut in_break = false;
    for c in value.trim().chars() {
        if is_line_breaking(c) {
            if !in_break {
                out.push(' ');
            }
            in_break = true;
        } else {
            out.push(c);
            in_break = false;
        }
    }
    nfc(out.trim())
}

/// Shortens to at most `max_chars` characters on a character boundary, ending with `…` when
/// something was cut.
pub fn shorten(value: &str, max_chars: usize) -> String {
    if value.chars().count() <= max_chars {
        return value.to_owned();
    }
    let kept: String = value.chars().take(max_chars.saturating_sub(1)).collect();
    format!("{}…", kept.trim_end())
}

/// An address SES can deliver to: valid per RFC 5321/5322 and plain ASCII (SES does not speak
/// SMTPUTF8).
pub fn is_valid_email(value: &str) -> bool {
    // Quoted local parts and comments are valid RFC 5322 but not deliverable through SES's
    // raw interface, so only plain `local@domain` addresses are accepted.
    value.is_ascii()
        && value.len() <= 254
        && !value.contains(['"', '(', ')', ' ', '\\', '<', '>', ',', ';', '[', ']'])
        && value.parse::<lettre::Address>().is_ok()
        && email_address::EmailAddress::parse_with_options(
            value,
            email_address::Options::default()
                .without_display_text()
                .without_domain_literal(),
        )
        .is_ok()
        && value.contains('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_line_removes_every_kind_of_break() {
        assert_eq!(single_line("a\r\nb\u{2028}c\u{85}d\te"), "a b c d e");
    }

    #[test]
    fn shorten_cuts_on_characters_not_bytes() {
        let s = "é".repeat(10);
        assert_eq!(shorten(&s, 4), "ééé…");
        assert_eq!(shorten("short", 10), "short");
    }

    #[test]
    fn nfd_input_becomes_nfc() {
        assert_eq!(nfc("Ru\u{308}ckseite"), "Rückseite");
        // Text already composed, or with nothing to compose, comes back the same.
        assert_eq!(nfc("Rückseite, Élodie, 東京"), "Rückseite, Élodie, 東京");
        assert_eq!(nfc("plain ASCII"), "plain ASCII");
        // A combining mark after a composed letter that has no composition stays as it is.
        assert_eq!(nfc("e\u{301}\u{301}"), "\u{e9}\u{301}");
    }

    #[test]
    fn addresses() {
        assert!(is_valid_email("julien.roux@galeries-lumiere.example"));
        assert!(!is_valid_email("not an address"));
        assert!(!is_valid_email("a@b.example\r\nBcc: x@y.example"));
        assert!(!is_valid_email("jérôme@exemple.fr"));
        assert!(!is_valid_email("Name <a@b.example>"));
        assert!(!is_valid_email("\"john doe\"@x.example"));
    }

    #[test]
    fn invisible_and_reordering_characters() {
        assert!(is_blank("\u{200B}\u{FEFF} "));
        assert!(!is_blank("a\u{200B}"));
        assert!(has_line_breaks("invoice\u{202E}gpj.exe"));
    }
}
