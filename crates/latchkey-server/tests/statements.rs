//! What a sign-in costs the database, counted: the statements (transaction control
//! included) of a discoverable passkey sign-in, so that a change that adds some shows.
//! A test binary of its own, with one test, because the count is per process.

use latchkey_testkit::{Ceremony, SoftAuthenticator, TestApp};

/// The most statements a complete sign-in (starting it and answering it with a passkey)
/// may run: `(stored client, new client)`, the new one's first call starting the sign-in.
/// On SQLite each statement runs at once.
const SQLITE: (u64, u64) = (24, 21);
/// On PostgreSQL a transaction's plain writes travel with its next statement, and a
/// completion is one statement with no `BEGIN` or `COMMIT`: each statement is a round trip.
const POSTGRES: (u64, u64) = (9, 7);

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
    let (mut stored, mut new) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        let native = app.native().await;
        let before = latchkey_store::statements_run();
        let reply = native.sign_in(&mut authenticator, &app.url).await;
        stored.push(latchkey_store::statements_run() - before);
        assert_eq!(reply.ok()["response"]["status"], "complete");

        let before = latchkey_store::statements_run();
        let (native, started) = app
            .native_call("/v1/client/sign_ins", &[("strategy", "passkey")])
            .await;
        let sign_in = &started.ok()["response"];
        let options = sign_in["first_factor_verification"]["nonce"]
            .as_str()
            .expect("nonce");
        let credential = authenticator
            .get(options, &app.url, &Ceremony::default())
            .expect("get");
        let id = sign_in["id"].as_str().expect("id");
        let reply = native.attempt_sign_in(id, &credential.to_string()).await;
        new.push(latchkey_store::statements_run() - before);
        assert_eq!(reply.ok()["response"]["status"], "complete");
    }
    println!("statements per sign-in: stored client {stored:?}, new client {new:?}");
    let bounds = if std::env::var_os("LATCHKEY_TEST_POSTGRES_URL").is_some() {
        POSTGRES
    } else {
        SQLITE
    };
    // The fewest of three: the server's background jobs (the live settings' read every
    // two seconds) may run during one of them.
    for (counts, bound) in [(&stored, bounds.0), (&new, bounds.1)] {
        let fewest = counts.iter().copied().min().unwrap_or_default();
        assert!(fewest > 0, "statements are counted");
        assert!(
            fewest <= bound,
            "a sign-in ran {fewest} statements, more than {bound}: {counts:?}"
        );
    }
}
