//! E-mails of a raise: who gets what, French subjects and names intact (CASES S14), and no
//! user text able to add a header or a recipient (CASES S13).

use serde_json::json;

use super::{World, customer_raise};
use portal_tests::SentEmail;

fn only(mut emails: Vec<SentEmail>, who: &str) -> SentEmail {
    assert_eq!(emails.len(), 1, "expected exactly one e-mail to {who}");
    emails.remove(0)
}

#[tokio::test]
async fn requester_colleague_and_support_each_get_one_email() {
    let world = World::new().await;
    let (event, requester, colleague) = customer_raise();
    let reference = world.raise_ok(event).await;

    let ack = only(world.stack.emails_to(&requester), "the requester");
    assert!(
        ack.subject()
            .starts_with(&format!("[#{reference}] Nous avons bien reçu"))
    );
    assert!(ack.text().contains("Bonjour Élodie Martin"));
    assert!(ack.html().contains("<strong>"));
    assert_eq!(ack.envelope_recipients(), vec![requester.clone()]);

    let copy = only(world.stack.emails_to(&colleague), "the colleague");
    assert!(copy.text().contains("vous a mis en copie"));
    assert_eq!(copy.envelope_recipients(), vec![colleague.clone()]);

    let alert = only(world.stack.emails_to(&world.names.support_inbox), "support");
    assert!(
        alert
            .subject()
            .starts_with(&format!("[#{reference}] New ticket"))
    );
    assert!(alert.text().contains(&requester));

    for email in [&ack, &copy, &alert] {
        assert_eq!(
            email.header_lines("Auto-Submitted"),
            vec!["Auto-Submitted: auto-generated"]
        );
        assert_eq!(email.header_lines("X-Auto-Response-Suppress").len(), 1);
        assert!(email.source.is_empty() || email.source.contains(&world.names.mail_domain));
    }
}

#[tokio::test]
async fn french_subjects_and_names_arrive_intact_and_encoded() {
    let world = World::new().await;
    let (event, requester, _) = customer_raise();
    let subject = "Problème d'exactitude des données – capteur n°12, site de Québec (l’entrée)";
    let event = event
        .with_claim("name", "Agnès Lefèvre-Öztürk")
        .edit_body(|b| b["subject"] = json!(subject));
    let reference = world.raise_ok(event).await;
    let ticket = world
        .app
        .store
        .ticket(reference)
        .await
        .expect("read")
        .expect("ticket");
    assert_eq!(ticket.subject, subject, "stored byte-exact");

    let ack = only(world.stack.emails_to(&requester), "the requester");
    assert!(ack.subject().ends_with(subject), "{}", ack.subject());
    assert!(
        ack.raw.is_ascii(),
        "headers and bodies are encoded, not raw UTF-8"
    );
    let to = ack.header_lines("To").join(" ");
    assert!(
        to.contains("=?utf-8?"),
        "the display name is an encoded-word: {to}"
    );
    let parsed = ack.parsed();
    let name = parsed
        .to()
        .and_then(|a| a.first())
        .and_then(|a| a.name())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(name, "Agnès Lefèvre-Öztürk");
    for word in encoded_words(&ack.header_lines("Subject").join(" ")) {
        assert!(word.len() <= 75, "encoded-word longer than 75: {word}");
    }
    for line in ack
        .raw
        .split("\r\n\r\n")
        .next()
        .unwrap_or_default()
        .split("\r\n")
    {
        assert!(line.len() <= 998, "header line too long");
    }
}

#[tokio::test]
async fn a_long_subject_is_shortened_on_a_character_boundary_before_encoding() {
    let world = World::new().await;
    let (event, requester, _) = customer_raise();
    let subject = "é".repeat(199);
    world
        .raise_ok(event.edit_body(|b| b["subject"] = json!(subject)))
        .await;
    let ack = only(world.stack.emails_to(&requester), "the requester");
    let decoded = ack.subject();
    assert!(decoded.ends_with('…'), "{decoded}");
    assert!(decoded.chars().count() <= portal::mail::compose::MAX_SUBJECT_CHARS);
    assert!(!decoded.contains('\u{FFFD}'), "no broken characters");
    for word in encoded_words(&ack.header_lines("Subject").join(" ")) {
        assert!(
            word.len() <= 75 && word.ends_with("?="),
            "split encoded-word: {word}"
        );
    }
}

#[tokio::test]
async fn no_user_text_can_add_a_header_or_a_recipient() {
    let world = World::new().await;
    for subject in [
        "Printer down\r\nBcc: attacker@example.com",
        "Printer down\u{2028}Bcc: attacker@example.com",
        "Printer down\nCc: attacker@example.com",
    ] {
        let (event, _, _) = customer_raise();
        let answer = world
            .raise(&event.edit_body(|b| b["subject"] = json!(subject)))
            .await;
        assert_eq!(answer.status, 400, "{subject:?}");
        assert_eq!(super::error_fields(&answer.body), vec!["subject"]);
    }

    // Encoded forms are only text: accepted, and still no header.
    let (event, requester, colleague) = customer_raise();
    let event = event
        .with_claim("name", "Eve\r\nBcc: attacker@example.com")
        .edit_body(|b| {
            b["subject"] = json!("Printer down%0d%0aBcc: attacker@example.com");
            b["site_id"] = json!("site%0d%0aBcc: attacker@example.com");
        });
    world.raise_ok(event).await;
    let emails: Vec<SentEmail> = world
        .stack
        .emails_to(&requester)
        .into_iter()
        .chain(world.stack.emails_to(&colleague))
        .chain(world.stack.emails_to(&world.names.support_inbox))
        .collect();
    assert_eq!(emails.len(), 3);
    for email in emails {
        assert_eq!(email.header_lines("Subject").len(), 1);
        assert!(email.header_lines("Bcc").is_empty());
        assert!(email.header_lines("Cc").is_empty());
        assert!(
            email
                .envelope_recipients()
                .iter()
                .all(|r| !r.contains("attacker")),
            "{:?}",
            email.envelope_recipients()
        );
    }
    assert!(world.stack.emails_to("attacker@example.com").is_empty());
}

/// The RFC 2047 encoded-words of a header value.
fn encoded_words(value: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut rest = value;
    while let Some(start) = rest.find("=?") {
        let after = &rest[start + 2..];
        // charset ? encoding ? text ?=
        let end = after
            .match_indices("?=")
            .map(|(i, _)| i)
            .find(|i| after[..*i].matches('?').count() >= 2);
        let Some(end) = end else {
            words.push(rest[start..].to_owned());
            break;
        };
        words.push(format!("=?{}?=", &after[..end]));
        rest = &after[end + 2..];
    }
    words
}

#[tokio::test]
async fn user_text_is_never_markup_in_the_html_part() {
    let world = World::new().await;
    let (event, requester, colleague) = customer_raise();
    let event = event.edit_body(|b| {
        b["subject"] = json!("<b>Counts</b> & <script>alert(1)</script>");
        b["comments"] = json!("<img src=x onerror=alert(1)> missing counts");
    });
    world.raise_ok(event).await;
    let ack = only(world.stack.emails_to(&requester), "the requester");
    let html = ack.html();
    assert!(
        !html.contains("<script>") && !html.contains("<img"),
        "{html}"
    );
    assert!(html.contains("&lt;script&gt;") && html.contains("&amp;"));
    assert!(
        ack.text().contains("<b>Counts</b> & <script>"),
        "plain text stays as typed"
    );

    let copy = only(world.stack.emails_to(&colleague), "the colleague");
    assert!(copy.text().starts_with("Bonjour,"), "{}", copy.text());
}
