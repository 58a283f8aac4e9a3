//! Mail delivery through a real SMTP server (aiosmtpd): rendering and languages, a relay
//! that goes down and comes back, two replicas, retries given up, and the development
//! outbox of a server without a relay.

use latchkey_core::Clock;
use latchkey_core::model::{Mail, MailStatus};
use latchkey_core::store::Page;
use latchkey_testkit::{Browser, SmtpSink, TestApp};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(15);

fn code_values(code: &str, name: Value) -> Value {
    json!({
        "code": code,
        "application_name": "Latchkey",
        "expires_in_minutes": 10,
        "purpose": "sign_in",
        "name": name,
    })
}

async fn queue(app: &TestApp, to: &str, locale: Option<&str>, code: &str) -> Mail {
    app.auth
        .queue_mail(
            to,
            "verification_code",
            locale,
            &code_values(code, json!("Ada")),
        )
        .await
        .expect("queue mail")
}

/// The stored message `id` once `done` holds for it; panics after [`WAIT`].
async fn outbox_entry(app: &TestApp, id: &str, done: impl Fn(&Mail) -> bool) -> Mail {
    let deadline = Instant::now() + WAIT;
    loop {
        let (mail, _) = app
            .auth
            .list_mail(Page {
                limit: 500,
                offset: 0,
            })
            .await
            .expect("list mail");
        let entry = mail.into_iter().find(|m| m.id == id).expect("queued");
        if done(&entry) {
            return entry;
        }
        assert!(Instant::now() < deadline, "mail still {entry:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_code_mail_arrives_as_text_and_escaped_html() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(|c| sink.configure(c)).await;
    let queued = app
        .auth
        .queue_mail(
            "ada@example.com",
            "verification_code",
            Some("de-DE,de;q=0.9"),
            &code_values("402913", json!("<script>alert(1)</script>")),
        )
        .await
        .expect("queue");

    let message = sink.wait_for("ada@example.com", WAIT).await;
    assert_eq!(message.subject, "402913 is your Latchkey code");
    assert_eq!(message.from, "no-reply@localhost");
    assert!(message.text.contains("402913"), "{}", message.text);
    assert!(
        message.text.contains("Hi <script>alert(1)</script>,"),
        "{}",
        message.text
    );
    assert!(message.html.contains("402913"), "{}", message.html);
    assert!(message.html.contains("&lt;script&gt;"), "{}", message.html);
    assert!(!message.html.contains("<script>"), "{}", message.html);
    let sent = outbox_entry(&app, &queued.id, |m| m.status == MailStatus::Sent).await;
    assert_eq!(sent.attempts, 1);
    assert_eq!(sent.data, "{}", "the code is not kept once sent");
}

#[tokio::test]
async fn a_templates_dir_adds_a_language_chosen_by_accept_language() {
    let dir = std::env::temp_dir().join(format!("latchkey-mail-de-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    for (part, source) in [
        ("subject", "Ihr Code für {{ application_name }}: {{ code }}"),
        ("txt", "Hallo {{ name }},\n\nIhr Code: {{ code }}\n"),
        (
            "html",
            "<p>Hallo {{ name }}, Ihr Code: <b>{{ code }}</b></p>",
        ),
    ] {
        std::fs::write(dir.join(format!("verification_code.de.{part}")), source).expect("write");
    }
    let sink = SmtpSink::start().await;
    let templates_dir = dir.display().to_string();
    let app = TestApp::spawn_with(|c| {
        sink.configure(c);
        c.email.templates_dir = Some(templates_dir);
    })
    .await;

    queue(&app, "ada@example.com", Some("de-AT, en;q=0.5"), "111111").await;
    let german = sink.wait_for("ada@example.com", WAIT).await;
    assert_eq!(german.subject, "Ihr Code für Latchkey: 111111");
    assert!(german.text.starts_with("Hallo Ada,"), "{}", german.text);
    queue(&app, "ada@example.com", Some("fr-CH, fr;q=0.9"), "222222").await;
    assert_eq!(sink.code_for("ada@example.com").await, "222222");
    let english = sink.messages_to("ada@example.com").pop().expect("second");
    assert_eq!(english.subject, "222222 is your Latchkey code");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn without_a_de_template_german_readers_get_english() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(|c| sink.configure(c)).await;
    queue(&app, "ada@example.com", Some("de"), "333333").await;
    let message = sink.wait_for("ada@example.com", WAIT).await;
    assert_eq!(message.subject, "333333 is your Latchkey code");
}

#[tokio::test]
async fn a_relay_down_then_up_loses_nothing_and_sends_once() {
    let mut sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(|c| sink.configure(c)).await;
    sink.stop().await;
    let queued = queue(&app, "ada@example.com", None, "444444").await;
    let waiting = outbox_entry(&app, &queued.id, |m| {
        m.attempts == 1 && m.last_error.is_some()
    })
    .await;
    assert_eq!(waiting.status, MailStatus::Queued);
    assert_eq!(
        waiting.next_attempt_at,
        app.clock.now_ms() + 5_000,
        "backs off 5 s"
    );

    sink.restart().await;
    app.auth.mail_queued().notify_one();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(sink.messages().is_empty(), "not sent before its backoff");
    app.clock.advance_secs(6);
    app.auth.mail_queued().notify_one();
    assert_eq!(sink.code_for("ada@example.com").await, "444444");
    let sent = outbox_entry(&app, &queued.id, |m| m.status == MailStatus::Sent).await;
    assert_eq!(sent.attempts, 2);

    app.clock.advance_secs(600);
    app.auth.mail_queued().notify_one();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.messages().len(), 1, "delivered exactly once");
}

#[tokio::test]
async fn two_replicas_deliver_each_message_once() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(|c| sink.configure(c)).await;
    let replica = app.spawn_replica().await;
    let count = 12;
    for i in 0..count {
        let (queuer, other) = if i % 2 == 0 {
            (&app, &replica)
        } else {
            (&replica, &app)
        };
        queue(
            queuer,
            &format!("user{i}@example.com"),
            None,
            &format!("{i:06}"),
        )
        .await;
        other.auth.mail_queued().notify_one();
    }
    for i in 0..count {
        let to = format!("user{i}@example.com");
        assert_eq!(sink.code_for(&to).await, format!("{i:06}"));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.messages().len(), count, "each message once");
}

#[tokio::test]
async fn a_message_fails_after_max_attempts() {
    let mut sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(|c| {
        sink.configure(c);
        c.email.max_attempts = 2;
    })
    .await;
    sink.stop().await;
    let queued = queue(&app, "ada@example.com", None, "555555").await;
    // Settled after its first attempt (a claim alone counts the attempt too).
    outbox_entry(&app, &queued.id, |m| {
        m.attempts == 1 && m.last_error.is_some()
    })
    .await;
    app.clock.advance_secs(6);
    app.auth.mail_queued().notify_one();
    let failed = outbox_entry(&app, &queued.id, |m| m.status == MailStatus::Failed).await;
    assert_eq!(failed.attempts, 2);
    assert!(failed.last_error.is_some());
    assert_ne!(failed.data, "{}", "never sent");
}

fn backend(app: &TestApp) -> Browser {
    let mut b = Browser::new(&app.base, None);
    b.bearer = Some(app.secret_key().to_owned());
    b
}

#[tokio::test]
async fn without_a_relay_mail_is_kept_in_the_development_outbox() {
    let app = TestApp::spawn().await;
    let queued = queue(&app, "ada@example.com", Some("en-GB"), "666666").await;
    outbox_entry(&app, &queued.id, |m| m.status == MailStatus::Logged).await;

    let reply = backend(&app).get("/backend/v1/dev/mail").await;
    let page = reply.ok();
    assert_eq!(page["total_count"], 1);
    let mail = &page["data"][0];
    assert_eq!(mail["id"], queued.id.as_str());
    assert_eq!(mail["to"], "ada@example.com");
    assert_eq!(mail["status"], "logged");
    assert_eq!(mail["subject"], "666666 is your Latchkey code");
    assert!(mail["text"].as_str().is_some_and(|t| t.contains("666666")));
    assert!(mail["html"].as_str().is_some_and(|t| t.contains("666666")));
    Browser::new(&app.base, None)
        .get("/backend/v1/dev/mail")
        .await
        .assert_error(401, "authentication_invalid");

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_latchkey"))
        .args(["mail", "list", "--limit", "5"])
        .env_clear()
        .env("LATCHKEY_DATABASE__URL", &app.config.database.url)
        .output()
        .expect("run latchkey mail list");
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{listed} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let first = listed.lines().next().unwrap_or_default();
    assert!(
        first.starts_with(&format!("{}\tada@example.com\tlogged\t", queued.id)),
        "{listed}"
    );
    assert!(first.ends_with("666666 is your Latchkey code"), "{listed}");
    assert!(listed.contains("    666666"), "{listed}");
    assert!(listed.contains("1 message(s)"), "{listed}");
}

#[tokio::test]
async fn with_a_relay_there_is_no_development_outbox() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(|c| sink.configure(c)).await;
    backend(&app)
        .get("/backend/v1/dev/mail")
        .await
        .assert_error(404, "resource_not_found");
}

#[tokio::test]
async fn a_sign_in_by_email_code_is_completed_with_the_mailed_code() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(|c| sink.configure(c)).await;
    app.browser()
        .post(
            "/v1/client/sign_ups",
            &[("username", "ada"), ("email_address", "ada@example.com")],
        )
        .await
        .ok();
    let browser = app.browser();
    let reply = browser
        .post(
            "/v1/client/sign_ins",
            &[
                ("strategy", "email_code"),
                ("identifier", "ada@example.com"),
            ],
        )
        .await;
    assert_eq!(reply.ok()["response"]["status"], "needs_first_factor");
    let id = reply.body["response"]["id"]
        .as_str()
        .expect("id")
        .to_owned();

    let code = sink.code_for("ada@example.com").await;
    let message = sink.messages_to("ada@example.com").pop().expect("mail");
    assert!(message.text.contains("Hi ada,"), "{}", message.text);
    assert!(
        message.text.contains("sign in to Latchkey"),
        "{}",
        message.text
    );
    let reply = browser
        .post(
            &format!("/v1/client/sign_ins/{id}/attempt_first_factor"),
            &[("strategy", "email_code"), ("code", &code)],
        )
        .await;
    assert_eq!(reply.ok()["response"]["status"], "complete");
}
