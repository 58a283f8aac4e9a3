//! Databases made before the two backends shared one migration tree open, migrate and
//! read back. `fixtures/v5.sqlite3` and `fixtures/v5-postgres.sql` (a `pg_dump`) were
//! written by the store of that time, every migration applied, with one user signed up
//! with a passkey, an open sign-in, a signing key, a setting and a rate-limit window;
//! `fixtures/migrations.txt` lists the migrations as sqlx recorded them.

use latchkey_core::model::{SessionStatus, SigningAlgorithm, VerificationStatus};
use latchkey_core::store::{
    AuditStore, ClientStore, KeyStore, Page, PasskeyStore, RateLimitStore, SettingStore, UserStore,
    VerificationStore,
};
use latchkey_store::{SqlStore, StoreOptions};
use sqlx::{Connection, Row};

/// The fixtures' time (Unix ms).
const T: i64 = 1_800_000_000_000;

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A directory of its own for one test.
fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("latchkey-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

/// The migrations as `fixtures/migrations.txt` records them.
fn recorded_migrations() -> Vec<(i64, String, String)> {
    std::fs::read_to_string(fixture("migrations.txt"))
        .expect("migrations.txt")
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let mut parts = line.split('|');
            let mut next = || parts.next().expect("three fields").to_owned();
            (next().parse().expect("version"), next(), next())
        })
        .collect()
}

/// The migrations applied to the database at `url`, as sqlx records them.
async fn applied_migrations(url: &str) -> Vec<(i64, String, String)> {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await.expect("connect");
    let rows =
        sqlx::query("SELECT version, description, checksum FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&mut conn)
            .await
            .expect("read _sqlx_migrations");
    rows.iter()
        .map(|row| {
            let checksum: Vec<u8> = row.get("checksum");
            let hex = checksum.iter().map(|b| format!("{b:02x}")).collect();
            (row.get("version"), row.get("description"), hex)
        })
        .collect()
}

/// A new, empty PostgreSQL database on the test server, if there is one.
async fn new_postgres_database(name: &str) -> Option<String> {
    let server = std::env::var("LATCHKEY_TEST_POSTGRES_URL").ok()?;
    let name = format!("latchkey_test_{name}_{}", std::process::id());
    let mut admin = sqlx::PgConnection::connect(&server).await.expect("connect");
    for sql in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        sqlx::query(&sql).execute(&mut admin).await.expect(&sql);
    }
    let mut url = url::Url::parse(&server).expect("url");
    url.set_path(&format!("/{name}"));
    Some(url.to_string())
}

/// Opens (and so migrates) the fixture database at `url` and reads its data back.
async fn opens_migrates_and_reads_back(url: &str) {
    let store = SqlStore::open(&StoreOptions::new(url))
        .await
        .expect("open and migrate");
    store.migrate().await.expect("migrate again");
    assert_eq!(
        applied_migrations(url).await,
        recorded_migrations(),
        "{url}"
    );

    let client = store
        .find_client_by_token(b"fixture-token-hash")
        .await
        .expect("client")
        .expect("stored client");
    assert_eq!(client.id, "client_fixture");
    assert_eq!(client.sign_in_id.as_deref(), Some("sia_fixture"));
    assert_eq!(
        client.last_active_session_id.as_deref(),
        Some("sess_fixture")
    );

    let record = store
        .find_client_record(&client.id)
        .await
        .expect("record")
        .expect("stored record");
    let [session] = record.sessions.as_slice() else {
        panic!("one session: {:?}", record.sessions);
    };
    assert_eq!(session.session.status, SessionStatus::Active);
    assert_eq!(session.user.username.as_deref(), Some("ada"));
    assert_eq!(session.user.user_handle, b"fixture-handle");
    assert_eq!(session.passkeys.len(), 1);
    // The primary address, copied into the addresses of its user by the migration.
    assert_eq!(
        session
            .email_addresses
            .iter()
            .map(|a| (a.email_address.as_str(), a.verified_at))
            .collect::<Vec<_>>(),
        [("ada@example.com", None)]
    );
    let sign_in = record.sign_in.expect("open sign-in");
    assert_eq!(sign_in.attempt.identifier.as_deref(), Some("ada"));
    assert_eq!(
        sign_in.verification.expect("its verification").status,
        VerificationStatus::Unverified
    );

    let found = store.find_user_by_identifier("ada@example.com").await;
    assert_eq!(
        found.expect("user").expect("stored user").id,
        "user_fixture"
    );
    let (passkey, owner) = store
        .find_passkey_owner(b"fixture-credential")
        .await
        .expect("passkey")
        .expect("stored passkey");
    assert_eq!(owner.id, "user_fixture");
    assert_eq!(passkey.transports, ["internal", "hybrid"]);
    assert!(passkey.backed_up && passkey.verified);
    assert_eq!(passkey.public_key.as_deref(), Some("fixture-public-key"));
    let sign_up = store.find_verification("sua_fixture").await.expect("read");
    assert_eq!(
        sign_up.expect("stored").status,
        VerificationStatus::Verified
    );
    let ceremony = store.find_ceremony("sia_fixture").await.expect("find");
    assert_eq!(ceremony.expect("stored").state, "sign-in ceremony");

    let keys = store.list_signing_keys().await.expect("keys");
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].private_key, "fixture-private-key");
    assert_eq!(
        keys[0].algorithm,
        SigningAlgorithm::Es256,
        "keys stored before the algorithm was recorded are ES256"
    );
    let setting = store
        .find_setting("backend_key_hash")
        .await
        .expect("setting");
    assert_eq!(setting.as_deref(), Some("fixture-hash"));
    let page = Page {
        limit: 10,
        offset: 0,
    };
    let (events, total) = store
        .list_audit_events(&Default::default(), page)
        .await
        .expect("events");
    assert_eq!((events[0].id.as_str(), total), ("aev_fixture", 1));
    let hits = store.hit_rate_limits(&["ip:192.0.2.1"], T).await;
    assert_eq!(hits.expect("hit"), [2]);
    store.close().await;
}

#[tokio::test]
async fn a_sqlite_database_of_the_separate_trees_opens_migrates_and_reads_back() {
    let dir = temp_dir("v5-sqlite");
    let path = dir.join("store.db");
    std::fs::copy(fixture("v5.sqlite3"), &path).expect("copy the fixture");
    opens_migrates_and_reads_back(&format!("sqlite://{}", path.display())).await;
}

#[tokio::test]
async fn a_postgres_database_of_the_separate_trees_opens_migrates_and_reads_back() {
    let Some(url) = new_postgres_database("v5").await else {
        return;
    };
    let dump = std::fs::read_to_string(fixture("v5-postgres.sql")).expect("dump");
    let mut conn = sqlx::PgConnection::connect(&url).await.expect("connect");
    sqlx::raw_sql(&dump)
        .execute(&mut conn)
        .await
        .expect("restore the dump");
    conn.close().await.expect("close");
    opens_migrates_and_reads_back(&url).await;
}

#[tokio::test]
async fn a_new_database_records_the_migrations_as_before() {
    let dir = temp_dir("new-sqlite");
    let mut urls = vec![format!("sqlite://{}", dir.join("store.db").display())];
    urls.extend(new_postgres_database("new").await);
    for url in urls {
        let store = SqlStore::open(&StoreOptions::new(url.clone()))
            .await
            .expect("open");
        store.close().await;
        assert_eq!(
            applied_migrations(&url).await,
            recorded_migrations(),
            "{url}"
        );
    }
}
