//! What a sign-in costs the database, counted: the statements (transaction control
//! included) of a discoverable passkey sign-in, so that a change that adds some shows.
//! A test binary of its own, with one test, because the count is per process.

use latchkey_testkit::{SoftAuthenticator, TestApp};

/// Statements of one complete sign-in (starting it and answering it with a passkey) on
/// SQLite, where each statement runs at once.
const SIGN_IN_STATEMENTS: u64 = 24;
/// The same on PostgreSQL, where a transaction's plain writes travel with its next
/// statement: each is a round trip.
const SIGN_IN_STATEMENTS_POSTGRES: u64 = 13;

#[tokio::test]
async fn a_sign_in_runs_a_bounded_number_of_statements() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    browser.sign_up("ada").await.ok();
    let mut authenticator = SoftAuthenticator::new();
    browser
        .register_passkey(&mut authenticator, &app.url)
        .await
        .ok();
    let mut counts = Vec::new();
    for _ in 0..3 {
        let native = app.native().await;
        let before = latchkey_store::statements_run();
        let reply = native.sign_in(&mut authenticator, &app.url).await;
        let after = latchkey_store::statements_run();
        assert_eq!(reply.ok()["response"]["status"], "complete");
        counts.push(after - before);
    }
    println!("statements per sign-in: {counts:?}");
    // The fewest of three: the server's background jobs (the live settings' read every
    // two seconds) may run during one of them.
    let fewest = counts.iter().copied().min().unwrap_or_default();
    let bound = if std::env::var_os("LATCHKEY_TEST_POSTGRES_URL").is_some() {
        SIGN_IN_STATEMENTS_POSTGRES
    } else {
        SIGN_IN_STATEMENTS
    };
    assert!(fewest > 0, "statements are counted");
    assert!(
        fewest <= bound,
        "a sign-in ran {fewest} statements, more than {bound}: {counts:?}"
    );
}
