//! Attachments through presigned S3 URLs, against an S3 server that verifies SigV4
//! signatures (s3s-fs, started by tests/run.sh): S3 itself refuses another type, another size,
//! an expired or tampered URL; names survive (CASES S15); keys are random (S11); nothing is
//! usable before it is confirmed (S16); strangers get nothing.

use std::time::Duration;

use serde_json::{Value, json};

use super::{World, as_requester, customer_raise};
use portal_tests::LocalStack;
use portal_tests::events::{Answer, Event};

/// A request to one of the attachment routes, by the raise's requester.
fn route(
    raise: &Event,
    reference: u64,
    method: &str,
    rest: &str,
    id: Option<&str>,
    body: Option<Value>,
) -> Event {
    let mut event = as_requester("get-ticket.customer", raise, reference);
    let path = format!("/tickets/{reference}/attachments{rest}");
    let template = match (id, rest.ends_with("/confirm")) {
        (Some(_), true) => "/tickets/{reference}/attachments/{id}/confirm",
        (Some(_), false) => "/tickets/{reference}/attachments/{id}",
        (None, _) => "/tickets/{reference}/attachments",
    };
    event.0["routeKey"] = json!(format!("{method} {template}"));
    event.0["requestContext"]["routeKey"] = json!(format!("{method} {template}"));
    event.0["rawPath"] = json!(path);
    event.0["requestContext"]["http"]["path"] = json!(path);
    event.0["requestContext"]["http"]["method"] = json!(method);
    if let Some(id) = id {
        event.0["pathParameters"]["id"] = json!(id);
    }
    match body {
        Some(body) => event
            .with_header("content-type", "application/json")
            .with_body(&body),
        None => event,
    }
}

async fn call(world: &World, event: &Event) -> Answer {
    Answer::of(portal::api::attachments::handle(&world.app, event.request()).await)
}

/// Asks for an upload URL.
async fn declare(
    world: &World,
    raise: &Event,
    reference: u64,
    name: &str,
    kind: &str,
    size: usize,
) -> Answer {
    let body = json!({ "file_name": name, "content_type": kind, "size": size });
    call(
        world,
        &route(raise, reference, "POST", "", None, Some(body)),
    )
    .await
}

/// Sends a PUT to a presigned URL with the given headers; returns the HTTP status.
fn put(url: &str, headers: &[(&str, &str)], bytes: &[u8]) -> u16 {
    let mut request = ureq::put(url);
    for (name, value) in headers {
        if !name.eq_ignore_ascii_case("content-length") {
            request = request.set(name, value);
        }
    }
    match request.send_bytes(bytes) {
        Ok(response) => response.status(),
        Err(ureq::Error::Status(code, _)) => code,
        Err(e) => panic!("PUT failed: {e}"),
    }
}

fn signed_headers(answer: &Answer) -> Vec<(String, String)> {
    answer.body["upload"]["headers"]
        .as_object()
        .map(|h| {
            h.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn upload(answer: &Answer, bytes: &[u8]) -> u16 {
    let headers = signed_headers(answer);
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    put(
        answer.body["upload"]["url"].as_str().expect("upload URL"),
        &headers,
        bytes,
    )
}

fn needs_verifying_s3() {
    assert!(
        LocalStack::s3_verifies_signatures(),
        "these tests need s3s-fs: run them through tests/run.sh"
    );
}

/// A small real PNG (1×1 pixel).
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
    0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

#[tokio::test]
async fn a_photo_goes_up_is_confirmed_and_comes_back_down() {
    needs_verifying_s3();
    let world = World::new().await;
    let (raise, _, _) = customer_raise();
    let reference = world.raise_ok(raise.clone()).await;

    let answer = declare(
        &world,
        &raise,
        reference,
        "entrée nord.png",
        "image/png",
        PNG.len(),
    )
    .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(answer.body["state"], "pending");
    let id = answer.body["id"].as_str().expect("id").to_owned();
    let url = answer.body["upload"]["url"]
        .as_str()
        .expect("url")
        .to_owned();
    // The key is random and under the ticket, never the file name.
    assert!(
        url.contains(&format!("pending/tickets/{reference}/{id}")),
        "{url}"
    );
    assert!(!url.contains("entr"), "{url}");

    // Not downloadable before it is confirmed, and not confirmable before it is uploaded.
    let early = call(
        &world,
        &route(&raise, reference, "GET", &format!("/{id}"), Some(&id), None),
    )
    .await;
    assert_eq!(early.status, 409);
    assert_eq!(early.body["code"], "attachment_pending");
    let confirm = route(
        &raise,
        reference,
        "POST",
        &format!("/{id}/confirm"),
        Some(&id),
        None,
    );
    let answer_confirm = call(&world, &confirm).await;
    assert_eq!(answer_confirm.status, 409);
    assert_eq!(answer_confirm.body["code"], "attachment_not_uploaded");

    assert_eq!(upload(&answer, PNG), 200);
    let confirmed = call(&world, &confirm).await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    assert_eq!(confirmed.body["state"], "confirmed");

    let download = call(
        &world,
        &route(&raise, reference, "GET", &format!("/{id}"), Some(&id), None),
    )
    .await;
    assert_eq!(download.status, 200, "{}", download.body);
    let link = download.body["download"]["url"]
        .as_str()
        .expect("download URL");
    let response = ureq::get(link).call().expect("download");
    let disposition = response
        .header("content-disposition")
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        disposition,
        "attachment; filename=\"entr_e nord.png\"; filename*=UTF-8''entr%C3%A9e%20nord.png"
    );
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut response.into_reader(), &mut bytes).expect("read");
    assert_eq!(bytes, PNG);

    // Using the upload URL again writes to its own pending key, never over what was confirmed.
    assert_eq!(upload(&answer, &[0u8; PNG.len()]), 200);
    let again = ureq::get(link).call().expect("download again");
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut again.into_reader(), &mut bytes).expect("read");
    assert_eq!(bytes, PNG);

    let listed = call(&world, &route(&raise, reference, "GET", "", None, None)).await;
    assert_eq!(listed.body["items"][0]["file_name"], "entrée nord.png");
}

#[tokio::test]
async fn s3_refuses_another_type_another_size_an_expired_or_tampered_url() {
    needs_verifying_s3();
    let world = World::new().await;
    let (raise, _, _) = customer_raise();
    let reference = world.raise_ok(raise.clone()).await;
    let answer = declare(
        &world,
        &raise,
        reference,
        "photo.png",
        "image/png",
        PNG.len(),
    )
    .await;
    let url = answer.body["upload"]["url"]
        .as_str()
        .expect("url")
        .to_owned();

    assert_eq!(
        put(&url, &[("content-type", "image/jpeg")], PNG),
        403,
        "another type"
    );
    let mut bigger = PNG.to_vec();
    bigger.extend_from_slice(&[0; 1024]);
    assert_eq!(
        put(&url, &[("content-type", "image/png")], &bigger),
        403,
        "another size"
    );
    let tampered = url.replace("X-Amz-Expires=300", "X-Amz-Expires=86400");
    assert_ne!(tampered, url);
    assert_eq!(
        put(&tampered, &[("content-type", "image/png")], PNG),
        403,
        "tampered"
    );
    let unsigned = url.split('?').next().expect("path").to_owned();
    assert_eq!(
        put(&unsigned, &[("content-type", "image/png")], PNG),
        403,
        "unsigned"
    );

    // An expired URL: made with a one-second life through the same adapter.
    let short = world
        .app
        .objects
        .presign_upload(
            "pending/tickets/1/expired",
            "image/png",
            PNG.len() as u64,
            Duration::from_secs(1),
        )
        .await
        .expect("presign");
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        put(&short.url, &[("content-type", "image/png")], PNG),
        403,
        "expired"
    );

    // And nothing of the refused attempts can be confirmed.
    let id = answer.body["id"].as_str().expect("id").to_owned();
    let confirm = route(
        &raise,
        reference,
        "POST",
        &format!("/{id}/confirm"),
        Some(&id),
        None,
    );
    assert_eq!(call(&world, &confirm).await.status, 409);
}

#[tokio::test]
async fn file_names_come_back_exactly_and_paths_are_refused() {
    let world = World::new().await;
    let (raise, _, _) = customer_raise();
    let reference = world.raise_ok(raise.clone()).await;
    let long = format!("{}.txt", "é".repeat(125));
    for name in [
        "rapport 100%.pdf",
        "Rückseite.jpg",
        "heiß.txt",
        "DummyFile..pdf",
        "données….xlsx",
        "zero\u{200B}width.png",
        long.as_str(),
    ] {
        let kind = if name.ends_with(".pdf") {
            "application/pdf"
        } else {
            "text/plain"
        };
        let answer = declare(&world, &raise, reference, name, kind, 10).await;
        assert_eq!(answer.status, 201, "{name}: {}", answer.body);
        assert_eq!(answer.body["file_name"], name);
    }
    // NFC and NFD show the same.
    let nfd = declare(
        &world,
        &raise,
        reference,
        "Ru\u{308}ckseite.jpg",
        "image/jpeg",
        10,
    )
    .await;
    assert_eq!(nfd.body["file_name"], "Rückseite.jpg");
    for name in [
        "../../etc/passwd",
        "a\\b.png",
        ".",
        "",
        "line\nbreak.png",
        &format!("{}.txt", "é".repeat(126)),
    ] {
        let answer = declare(&world, &raise, reference, name, "text/plain", 10).await;
        assert_eq!(answer.status, 400, "{name:?}");
        assert_eq!(super::error_fields(&answer.body), vec!["file_name"]);
    }
}

#[tokio::test]
async fn types_sizes_and_the_cap_per_ticket_are_enforced() {
    let mut world = World::new().await;
    let (raise, _, _) = customer_raise();
    let reference = world.raise_ok(raise.clone()).await;
    let exe = declare(
        &world,
        &raise,
        reference,
        "tool.exe",
        "application/x-msdownload",
        10,
    )
    .await;
    assert_eq!(exe.status, 400);
    assert_eq!(super::error_fields(&exe.body), vec!["content_type"]);
    let huge = declare(
        &world,
        &raise,
        reference,
        "clip.mp4",
        "video/mp4",
        600 * 1024 * 1024,
    )
    .await;
    assert_eq!(super::error_fields(&huge.body), vec!["size"]);
    let big = declare(
        &world,
        &raise,
        reference,
        "clip.mp4",
        "video/mp4",
        400 * 1024 * 1024,
    )
    .await;
    assert_eq!(big.status, 201);
    let photo = declare(
        &world,
        &raise,
        reference,
        "p.png",
        "image/png",
        21 * 1024 * 1024,
    )
    .await;
    assert_eq!(super::error_fields(&photo.body), vec!["size"]);

    world.app.config.attachment_rules.max_per_ticket = 2;
    assert_eq!(
        declare(&world, &raise, reference, "a.txt", "text/plain", 1)
            .await
            .status,
        201
    );
    let over = declare(&world, &raise, reference, "b.txt", "text/plain", 1).await;
    assert_eq!(over.status, 409);
    assert_eq!(over.body["code"], "too_many_attachments");
}

#[tokio::test]
async fn messages_refer_only_to_confirmed_attachments_of_their_ticket() {
    needs_verifying_s3();
    let world = World::new().await;
    let (raise, _, colleague) = customer_raise();
    let reference = world.raise_ok(raise.clone()).await;
    let other = world.raise_ok(customer_raise().0).await;

    let pending = declare(
        &world,
        &raise,
        reference,
        "later.png",
        "image/png",
        PNG.len(),
    )
    .await;
    let pending_id = pending.body["id"].as_str().expect("id").to_owned();
    let message = |ids: Vec<String>| {
        as_requester("post-message.customer", &raise, reference)
            .edit_body(move |b| b["attachments"] = json!(ids))
    };
    let answer = world.post(&message(vec![pending_id.clone()])).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.body["errors"][0]["field"], "attachments[0]");
    assert_eq!(answer.body["errors"][0]["code"], "attachment_not_uploaded");

    // Another ticket's attachment is not found here.
    let foreign = declare(&world, &raise, other, "x.png", "image/png", PNG.len()).await;
    let foreign_id = foreign.body["id"].as_str().expect("id").to_owned();
    let answer = world.post(&message(vec![foreign_id])).await;
    assert_eq!(answer.body["errors"][0]["code"], "not_found");

    // Once confirmed, it may be referred to, and e-mails list its name as text.
    let named = declare(
        &world,
        &raise,
        reference,
        "<i>photo<i> & co.png",
        "image/png",
        PNG.len(),
    )
    .await;
    let id = named.body["id"].as_str().expect("id").to_owned();
    assert_eq!(upload(&named, PNG), 200);
    let key = format!("pending/tickets/{reference}/{id}");
    // The S3 object-created event confirms it; a second event finds it done.
    assert!(
        portal::attachments::confirm_uploaded_key(&world.app, &key)
            .await
            .expect("confirm")
    );
    assert!(
        portal::attachments::confirm_uploaded_key(&world.app, &key)
            .await
            .expect("again")
    );
    let answer = world.post(&message(vec![id.clone()])).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(
        answer.body["message"]["attachments"][0]["file_name"],
        "<i>photo<i> & co.png"
    );
    let mail = world
        .stack
        .emails_to(&colleague)
        .pop()
        .expect("reply e-mail");
    assert!(mail.text().contains("<i>photo<i> & co.png"));
    assert!(mail.html().contains("&lt;i&gt;photo&lt;i&gt; &amp; co.png"));
    assert!(!mail.html().contains("<i>photo"));
    // The pending one is left out of every e-mail.
    assert!(!mail.raw.contains("later.png"));
}

#[tokio::test]
async fn an_upload_that_is_not_what_was_declared_is_removed() {
    let world = World::new().await;
    let (raise, _, _) = customer_raise();
    let reference = world.raise_ok(raise.clone()).await;
    let answer = declare(&world, &raise, reference, "log.txt", "text/plain", 100).await;
    let id = answer.body["id"].as_str().expect("id").to_owned();
    let key = format!("pending/tickets/{reference}/{id}");
    // Written behind the URL's back, with another size.
    world
        .stack
        .clients
        .s3
        .put_object()
        .bucket(&world.names.bucket)
        .key(&key)
        .content_type("text/plain")
        .body(aws_sdk_s3::primitives::ByteStream::from_static(b"short"))
        .send()
        .await
        .expect("direct put");
    let confirm = route(
        &raise,
        reference,
        "POST",
        &format!("/{id}/confirm"),
        Some(&id),
        None,
    );
    let answer = call(&world, &confirm).await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert_eq!(answer.body["code"], "attachment_mismatch");
    assert!(
        world.app.objects.head(&key).await.expect("head").is_none(),
        "removed"
    );
}

#[tokio::test]
async fn strangers_and_anonymous_callers_get_nothing() {
    let world = World::new().await;
    let (raise, _, _) = customer_raise();
    let reference = world.raise_ok(raise.clone()).await;
    let answer = declare(&world, &raise, reference, "p.png", "image/png", 10).await;
    let id = answer.body["id"].as_str().expect("id").to_owned();

    let get = route(&raise, reference, "GET", &format!("/{id}"), Some(&id), None);
    let stranger = get.clone().with_claim("account_id", "acc-rival-chain");
    assert_eq!(call(&world, &stranger).await.status, 404);
    assert_eq!(call(&world, &get.clone().anonymous()).await.status, 401);
    let list =
        route(&raise, reference, "GET", "", None, None).with_claim("account_id", "acc-rival-chain");
    assert_eq!(call(&world, &list).await.status, 404);
    // Neighbouring or made-up ids name nothing.
    let made_up = uuid::Uuid::new_v4().to_string();
    let guess = route(
        &raise,
        reference,
        "GET",
        &format!("/{made_up}"),
        Some(&made_up),
        None,
    );
    assert_eq!(call(&world, &guess).await.status, 404);
    let junk = route(&raise, reference, "GET", "/1", Some("1"), None);
    assert_eq!(call(&world, &junk).await.status, 404);
}

/// Found by hostile testing: parameters in a content type, and declarations racing the cap.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn content_types_are_bare_and_the_cap_holds_under_concurrency() {
    let mut world = World::new().await;
    let (raise, _, _) = customer_raise();
    let reference = world.raise_ok(raise.clone()).await;
    for kind in [
        "image/png; charset=x",
        "image/png;\r\nx-amz-acl: public-read",
        "image/png;\u{0}",
    ] {
        let answer = declare(&world, &raise, reference, "p.png", kind, 10).await;
        assert_eq!(answer.status, 400, "{kind:?}: {}", answer.body);
        assert_eq!(super::error_fields(&answer.body), vec!["content_type"]);
    }
    assert_eq!(
        declare(&world, &raise, reference, "p.png", "IMAGE/PNG", 10)
            .await
            .status,
        201
    );

    world.app.config.attachment_rules.max_per_ticket = 3;
    let world = std::sync::Arc::new(world);
    let mut declares = tokio::task::JoinSet::new();
    for i in 0..6 {
        let (world, raise) = (world.clone(), raise.clone());
        declares.spawn(async move {
            declare(
                &world,
                &raise,
                reference,
                &format!("{i}.txt"),
                "text/plain",
                1,
            )
            .await
            .status
        });
    }
    let statuses = declares.join_all().await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(
        world
            .app
            .store
            .attachments(reference)
            .await
            .expect("list")
            .len(),
        3
    );
}
