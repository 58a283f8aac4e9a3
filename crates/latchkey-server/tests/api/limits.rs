//! Rate limits on ceremony starts: per IP, per client, shared by replicas, and the
//! client IP taken from `X-Forwarded-For` only behind trusted proxies.

use latchkey_testkit::TestApp;

fn start(
    browser: &latchkey_testkit::Browser,
) -> impl std::future::Future<Output = latchkey_testkit::Reply> + '_ {
    browser.post("/v1/client/sign_ins", &[("strategy", "passkey")])
}

#[tokio::test]
async fn per_ip_limit_answers_429_with_retry_after_until_the_window_ends() {
    let app = TestApp::spawn_with(|c| c.rate_limit.per_ip_per_minute = 5).await;
    for _ in 0..5 {
        start(&app.browser()).await.ok();
    }
    let refused = start(&app.browser()).await;
    refused.assert_error(429, "rate_limit_exceeded");
    let retry: u64 = refused
        .headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=60).contains(&retry), "{retry}");
    app.browser()
        .sign_up("ada")
        .await
        .assert_error(429, "rate_limit_exceeded");
    app.clock.advance_secs(61);
    start(&app.browser()).await.ok();
}

#[tokio::test]
async fn per_client_limit_leaves_other_clients_alone() {
    let app = TestApp::spawn_with(|c| c.rate_limit.per_client_per_minute = 3).await;
    let busy = app.browser();
    // The first call creates the client; the limit counts from then on.
    for _ in 0..4 {
        start(&busy).await.ok();
    }
    start(&busy).await.assert_error(429, "rate_limit_exceeded");
    start(&app.browser()).await.ok();
}

#[tokio::test]
async fn replicas_share_the_limit() {
    let a = TestApp::spawn_with(|c| c.rate_limit.per_ip_per_minute = 4).await;
    let b = a.spawn_replica().await;
    for _ in 0..2 {
        start(&a.browser()).await.ok();
        start(&b.browser()).await.ok();
    }
    start(&a.browser())
        .await
        .assert_error(429, "rate_limit_exceeded");
    start(&b.browser())
        .await
        .assert_error(429, "rate_limit_exceeded");
}

#[tokio::test]
async fn forwarded_for_is_believed_only_from_trusted_proxies() {
    let trusting = TestApp::spawn_with(|c| {
        c.rate_limit.per_ip_per_minute = 2;
        c.rate_limit.trusted_proxies = vec!["127.0.0.1".into()];
    })
    .await;
    let mut browser = trusting.browser();
    for ip in ["203.0.113.1", "203.0.113.2", "203.0.113.3"] {
        browser.forwarded_for = Some(ip.into());
        start(&browser.at(&trusting.base)).await.ok();
        let mut fresh = trusting.browser();
        fresh.forwarded_for = Some(ip.into());
        start(&fresh).await.ok();
    }
    let mut spoofer = trusting.browser();
    spoofer.forwarded_for = Some("203.0.113.1".into());
    start(&spoofer)
        .await
        .assert_error(429, "rate_limit_exceeded");
    let untrusting = TestApp::spawn_with(|c| c.rate_limit.per_ip_per_minute = 2).await;
    for ip in ["198.51.100.1", "198.51.100.2"] {
        let mut b = untrusting.browser();
        b.forwarded_for = Some(ip.into());
        start(&b).await.ok();
    }
    let mut b = untrusting.browser();
    b.forwarded_for = Some("198.51.100.3".into());
    start(&b).await.assert_error(429, "rate_limit_exceeded");
}

#[tokio::test]
async fn a_client_holds_at_most_ten_unfinished_sign_ins() {
    let app = TestApp::spawn().await;
    let (_, mut authenticator, _) = crate::user_with_passkey(&app, "ada").await;
    let browser = app.browser();
    let mut attempts = Vec::new();
    for _ in 0..12 {
        app.clock.advance_secs(1);
        attempts.push(browser.start_sign_in().await);
    }
    // The two oldest were dropped when the eleventh and twelfth started.
    for (id, options) in &attempts[..2] {
        let credential = authenticator
            .get(options, &app.url, &latchkey_testkit::Ceremony::default())
            .expect("get");
        browser
            .attempt_sign_in(id, &credential.to_string())
            .await
            .assert_error(404, "resource_not_found");
    }
    let (id, options) = &attempts[2];
    let credential = authenticator
        .get(options, &app.url, &latchkey_testkit::Ceremony::default())
        .expect("get");
    assert_eq!(
        browser
            .attempt_sign_in(id, &credential.to_string())
            .await
            .ok()["response"]["status"],
        "complete"
    );
}
