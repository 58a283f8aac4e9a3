//! The store conformance suite: every test runs against SQLite and, when
//! `LATCHKEY_TEST_POSTGRES_URL` names a server, against a fresh PostgreSQL database.

use latchkey_core::ids::{self, Kind};
use latchkey_core::model::*;
use latchkey_core::store::{
    AuditFilter, AuditStore, ClientStore, KeyStore, Maintenance, Page, PasskeyStore, PasskeyUse,
    Reverification, SessionStore, SettingStore, SignInCompletion, SignInStore, SignUpCompletion,
    SignUpStore, UserFilter, UserStore, VerificationStore,
};
use latchkey_core::{Clock, Error, SystemClock};
use latchkey_store::{SqlStore, StoreOptions};
use std::sync::Arc;

/// A new id made at the system clock's time, as the store is given them.
fn new_id(kind: Kind) -> String {
    ids::new_id(kind, SystemClock.now_ms())
}

/// One store per backend under test.
async fn stores() -> Vec<(String, Arc<SqlStore>)> {
    let dir = std::env::temp_dir().join(new_id(Kind::Key));
    std::fs::create_dir_all(&dir).expect("dir");
    let sqlite = format!("sqlite://{}", dir.join("store.db").display());
    let mut urls = vec![sqlite];
    if let Ok(server) = std::env::var("LATCHKEY_TEST_POSTGRES_URL") {
        use sqlx::Connection;
        let name = format!("latchkey_test_{}", new_id(Kind::Key).to_lowercase());
        let mut admin = sqlx::PgConnection::connect(&server).await.expect("connect");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("create db");
        let mut url = url::Url::parse(&server).expect("url");
        url.set_path(&format!("/{name}"));
        urls.push(url.to_string());
    }
    let mut out = Vec::new();
    for url in urls {
        let store = SqlStore::open(&StoreOptions::new(url.clone()))
            .await
            .expect("open");
        out.push((url, Arc::new(store)));
    }
    out
}

fn now() -> i64 {
    1_800_000_000_000
}

fn user(name: &str) -> User {
    User {
        id: new_id(Kind::User),
        user_handle: name.as_bytes().to_vec(),
        username: Some(name.to_owned()),
        email: Some(PrimaryEmail {
            id: new_id(Kind::Email),
            email_address: format!("{name}@example.com"),
        }),
        first_name: None,
        last_name: None,
        last_sign_in_at: None,
        created_at: now(),
        updated_at: now(),
        role: Role::User,
        banned_at: None,
    }
}

fn client() -> Client {
    Client {
        id: new_id(Kind::Client),
        sign_in_id: None,
        sign_up_id: None,
        last_active_session_id: None,
        created_at: now(),
        updated_at: now(),
    }
}

fn passkey(user_id: &str, credential_id: &[u8]) -> Passkey {
    Passkey {
        id: new_id(Kind::Passkey),
        user_id: user_id.to_owned(),
        name: Some("Key".into()),
        credential_id: Some(credential_id.to_vec()),
        credential: Some("{}".into()),
        public_key: None,
        user_handle: None,
        aaguid: None,
        backed_up: false,
        transports: vec!["internal".into()],
        verified: true,
        last_used_at: None,
        created_at: now(),
        updated_at: now(),
    }
}

fn session(client_id: &str, user_id: &str) -> Session {
    Session {
        id: new_id(Kind::Session),
        client_id: client_id.to_owned(),
        user_id: user_id.to_owned(),
        status: SessionStatus::Active,
        last_active_at: now(),
        expire_at: now() + 1000,
        abandon_at: now() + 1000,
        created_at: now(),
        updated_at: now(),
        verified_at: now(),
        ip: Some("203.0.113.7".into()),
        user_agent: Some("Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0".into()),
    }
}

fn event(kind: &str, user_id: Option<&str>) -> AuditEvent {
    AuditEvent {
        id: new_id(Kind::AuditEvent),
        kind: kind.into(),
        user_id: user_id.map(str::to_owned),
        passkey_id: None,
        session_id: None,
        ip: Some("127.0.0.1".into()),
        user_agent: None,
        actor: None,
        created_at: now(),
        data: "{}".into(),
    }
}

fn ceremony(owner: &str, expire_at: i64) -> (Verification, CeremonyState) {
    (
        Verification {
            owner_id: owner.into(),
            status: VerificationStatus::Unverified,
            nonce: Some("{\"challenge\":\"x\"}".into()),
            attempts: 0,
            expire_at,
        },
        CeremonyState {
            state: format!("state of {owner}"),
            expire_at,
        },
    )
}

/// A user signed up on a client with a session, through `complete_sign_up`.
async fn signed_up(store: &SqlStore, name: &str) -> (Client, User, Session) {
    let c = client();
    let u = user(name);
    let s = session(&c.id, &u.id);
    let sign_up = SignUp {
        id: new_id(Kind::SignUp),
        client_id: c.id.clone(),
        status: SignUpStatus::Complete,
        username: u.username.clone(),
        email_address: None,
        first_name: None,
        last_name: None,
        user_handle: None,
        created_user_id: Some(u.id.clone()),
        created_session_id: Some(s.id.clone()),
        abandon_at: now() + 1000,
        created_at: now(),
        updated_at: now(),
    };
    let new_client = RequestClient::New {
        client: c.clone(),
        token_hash: name.as_bytes().to_vec(),
    };
    store
        .insert_sign_up(&new_client, &sign_up, None)
        .await
        .expect("sign-up");
    store
        .complete_sign_up(&SignUpCompletion {
            sign_up,
            user: u.clone(),
            passkey: None,
            session: s.clone(),
            email_verified_at: None,
            events: vec![event("user.created", Some(&u.id))],
        })
        .await
        .expect("complete");
    (c, u, s)
}

#[tokio::test]
async fn clients_users_and_sessions_round_trip() {
    for (url, store) in stores().await {
        store.ping().await.expect("ping");
        let (c, u, s) = signed_up(&store, "ada").await;
        let found = store
            .find_client_by_token(b"ada")
            .await
            .expect("find")
            .expect("client");
        assert_eq!(
            found.last_active_session_id.as_deref(),
            Some(s.id.as_str()),
            "{url}"
        );
        let record = store
            .find_client_record(&c.id)
            .await
            .expect("find")
            .expect("record");
        assert_eq!(record.client, found, "{url}");
        assert_eq!(record.sessions.len(), 1, "{url}");
        assert_eq!(record.sessions[0].session.id, s.id, "{url}");
        assert_eq!(record.sessions[0].user, u, "{url}");
        assert!(
            record.sign_in.is_none() && record.sign_up.is_none(),
            "{url}"
        );
        assert_eq!(
            store.find_user(&u.id).await.expect("user"),
            Some(u.clone()),
            "{url}"
        );
        assert_eq!(
            store
                .find_user_by_identifier("ada@example.com")
                .await
                .expect("by email")
                .map(|x| x.id),
            Some(u.id.clone())
        );
        assert_eq!(
            store
                .find_user_by_identifier("ada")
                .await
                .expect("by name")
                .map(|x| x.id),
            Some(u.id.clone())
        );
        assert_eq!(
            store.find_session(&s.id).await.expect("session"),
            Some(s.clone())
        );
        let mut ended = s.clone();
        ended.status = SessionStatus::Ended;
        store
            .update_session(&ended, Some(&event("session.ended", Some(&u.id))))
            .await
            .expect("update");
        assert!(
            store
                .list_client_sessions(&c.id)
                .await
                .expect("list")
                .is_empty(),
            "{url}: only live sessions"
        );
        let (all, total) = store
            .list_sessions(Some(&u.id), Some("ended"), PAGE)
            .await
            .expect("list");
        assert_eq!((all.len(), total), (1, 1));
        let (users, total) = store.list_users(search("A"), PAGE).await.expect("users");
        assert_eq!((users.len(), total), (1, 1), "{url}: a prefix in any case");
        let (_, none) = store.list_users(search("%"), PAGE).await.expect("users");
        assert_eq!(none, 0, "{url}: a wildcard is a plain character");
    }
}

/// The first page of a list.
const PAGE: Page = Page {
    limit: 10,
    offset: 0,
};

/// The users `query` matches, from the newest.
fn search(query: &str) -> UserFilter<'_> {
    UserFilter {
        query: Some(query),
        starting_after: None,
    }
}

/// Adds `n` users straight through SQL, as fast as the database takes them: user `i` is
/// `user_fill{i:07}` (its handle 16 bytes in base64url), named `{letter}{i:07}` (letters
/// in turn) with the address `mail{i:07}@example.com`, created at `i / 4` ms after a
/// fixed time (so that four share each millisecond); then gathers the statistics a
/// long-running database has.
async fn fill_users(url: &str, n: i64) {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let conn = rusqlite::Connection::open(path).expect("open");
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .expect("timeout");
        conn.execute_batch(&format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n}) \
             INSERT INTO users (id, user_handle, username, email_address, created_at, updated_at) \
             SELECT printf('user_fill%07d', i), printf('fill%07dAAAAAAAAAAA', i), \
             substr('abcdefghijklmnopqrstuvwxyz', i % 26 + 1, 1) || printf('%07d', i), \
             printf('mail%07d@example.com', i), 1700000000000 + i / 4, 1700000000000 FROM n; \
             ANALYZE;"
        ))
        .expect("fill");
    } else {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(url).await.expect("connect");
        for statement in [
            format!(
                "INSERT INTO users (id, user_handle, username, email_address, created_at, updated_at) \
                 SELECT 'user_fill' || lpad(i::text, 7, '0'), 'fill' || lpad(i::text, 7, '0') || 'AAAAAAAAAAA', \
                 substr('abcdefghijklmnopqrstuvwxyz', i % 26 + 1, 1) || lpad(i::text, 7, '0'), \
                 'mail' || lpad(i::text, 7, '0') || '@example.com', 1700000000000 + i / 4, \
                 1700000000000 FROM generate_series(1, {n}) AS i"
            ),
            "ANALYZE".to_owned(),
        ] {
            sqlx::query(&statement)
                .execute(&mut conn)
                .await
                .expect("fill");
        }
    }
}

#[tokio::test]
async fn a_million_users_are_paged_and_searched_through_indexes() {
    const USERS: i64 = 1_000_000;
    for (url, store) in stores().await {
        let (_, ada, _) = signed_up(&store, "ada").await;
        let key = passkey(&ada.id, b"million");
        let (v, c) = ceremony(&key.id, now() + 60_000);
        store.insert_passkey(&key, &v, &c).await.expect("passkey");
        fill_users(&url, USERS).await;
        let lists = [
            ("everyone", UserFilter::default()),
            (
                "everyone after a user",
                UserFilter {
                    query: None,
                    starting_after: Some("user_fill0500000"),
                },
            ),
            ("a rare prefix", search("q00004")),
            ("a prefix of every address", search("mail")),
            ("an id", search("user_fill0000007")),
            ("a passkey id", search(&key.id)),
        ];
        for (what, filter) in lists {
            let plan = store.user_list_plan(filter, PAGE).await.expect("plan");
            let text = plan.join("\n");
            let full_scan = plan.iter().any(|step| {
                step.contains("Seq Scan on users")
                    || (step.starts_with("SCAN users") && !step.contains("USING"))
            });
            assert!(!full_scan, "{url}: {what} reads every user:\n{text}");
            if what == "a rare prefix" {
                assert!(
                    text.contains("users_username_prefix") && text.contains("users_email_prefix"),
                    "{url}: {what} is a range of the username and address indexes:\n{text}"
                );
            }
            if filter.query.is_none() {
                assert!(
                    text.contains("users_newest")
                        && !text.contains("Sort")
                        && !text.contains("B-TREE"),
                    "{url}: {what} walks the index in order:\n{text}"
                );
            }
        }

        let (newest, total) = store
            .list_users(
                UserFilter::default(),
                Page {
                    limit: 3,
                    offset: 0,
                },
            )
            .await
            .expect("page");
        assert_eq!(total, USERS + 1);
        let ids: Vec<&str> = newest.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(
            ids,
            [ada.id.as_str(), "user_fill1000000", "user_fill0999999"],
            "{url}"
        );
        let after = |id| UserFilter {
            query: None,
            starting_after: Some(id),
        };
        let (next, _) = store
            .list_users(
                after("user_fill0999999"),
                Page {
                    limit: 5,
                    offset: 0,
                },
            )
            .await
            .expect("page");
        let ids: Vec<&str> = next.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "user_fill0999998",
                "user_fill0999997",
                "user_fill0999996",
                "user_fill0999995",
                "user_fill0999994"
            ],
            "{url}: the next page, across users created in the same millisecond"
        );
        let (last, _) = store
            .list_users(after("user_fill0000002"), PAGE)
            .await
            .expect("page");
        assert_eq!(last.len(), 1, "{url}: the deepest page");

        let (found, total) = store
            .list_users(search("q00004"), PAGE)
            .await
            .expect("search");
        assert_eq!(total, 4, "{url}: q0000400 and three more of q00004xx");
        assert!(found.iter().all(|u| {
            u.username
                .as_deref()
                .is_some_and(|n| n.starts_with("q00004"))
        }));
        assert!(
            found.windows(2).all(|w| w[0].created_at >= w[1].created_at),
            "{url}: newest first"
        );
        let (found, total) = store
            .list_users(search(&key.id), PAGE)
            .await
            .expect("search");
        assert_eq!(
            (found[0].id.as_str(), total),
            (ada.id.as_str(), 1),
            "{url}: by passkey id"
        );

        let unknown = store.list_users(after("user_nobody"), PAGE).await;
        assert!(
            matches!(
                unknown,
                Err(Error::FormParamValueInvalid {
                    param: "starting_after",
                    ..
                })
            ),
            "{url}: {unknown:?}"
        );
    }
}

#[tokio::test]
async fn unique_violations_map_to_domain_errors() {
    for (url, store) in stores().await {
        let (_, u, _) = signed_up(&store, "ada").await;
        let mut twin = user("ada");
        twin.user_handle = b"other".to_vec();
        assert!(
            matches!(
                store.insert_user(&twin).await,
                Err(Error::IdentifierExists(_))
            ),
            "{url}"
        );
        let first = passkey(&u.id, b"cred-1");
        let (v, c) = ceremony(&first.id, now() + 1000);
        store.insert_passkey(&first, &v, &c).await.expect("passkey");
        let (_, bob, _) = signed_up(&store, "bob").await;
        let copy = passkey(&bob.id, b"cred-1");
        let (v, c) = ceremony(&copy.id, now() + 1000);
        assert!(
            matches!(
                store.insert_passkey(&copy, &v, &c).await,
                Err(Error::PasskeyAlreadyExists)
            ),
            "{url}"
        );
        assert_eq!(
            store.list_passkeys(&bob.id).await.expect("list"),
            vec![],
            "{url}: nothing half-written"
        );
    }
}

#[tokio::test]
async fn acknowledged_writes_are_committed_and_a_failed_one_undoes_only_itself() {
    sqlx::any::install_default_drivers();
    for (url, store) in stores().await {
        let users: Vec<User> = (0..24).map(|i| user(&format!("batch{i}"))).collect();
        let mut twin = user("batch3");
        twin.user_handle = b"twin".to_vec();
        // Written concurrently (on SQLite into one shared transaction): only one of the
        // two namesakes fails, whichever came second.
        let results = futures::future::join_all(
            users
                .iter()
                .chain(std::iter::once(&twin))
                .map(|u| store.insert_user(u)),
        )
        .await;
        let failed: Vec<_> = (0..results.len())
            .filter(|&i| results[i].is_err())
            .collect();
        assert!(failed == [3] || failed == [24], "{url}: {failed:?}");
        assert!(
            matches!(results[failed[0]], Err(Error::IdentifierExists(_))),
            "{url}"
        );
        // Another connection sees every acknowledged write: committed, not only written.
        let other = sqlx::AnyPool::connect(&url).await.expect("pool");
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE username LIKE 'batch%'")
                .fetch_one(&other)
                .await
                .expect("count");
        assert_eq!(count, 24, "{url}");
    }
}

/// A completed sign-in that creates `session` (on its client, for its user) with passkey
/// `passkey_id`.
fn completion(session: Session, passkey_id: &str) -> SignInCompletion {
    SignInCompletion {
        sign_in: SignIn {
            id: new_id(Kind::SignIn),
            client_id: session.client_id.clone(),
            status: SignInStatus::Complete,
            identifier: None,
            user_id: Some(session.user_id.clone()),
            created_session_id: Some(session.id.clone()),
            abandon_at: now() + 1000,
            created_at: now(),
            updated_at: now(),
        },
        session,
        used: PasskeyUse {
            passkey_id: passkey_id.to_owned(),
            credential: "{}".into(),
            backed_up: false,
            public_key: None,
        },
        now: now(),
        events: vec![],
    }
}

/// Stores `completion`'s sign-in on client `c`, open, with a ceremony.
async fn open_sign_in(store: &SqlStore, c: &Client, completion: &SignInCompletion) {
    let (v, cer) = ceremony(&completion.sign_in.id, now() + 1000);
    let open = SignIn {
        status: SignInStatus::NeedsFirstFactor,
        ..completion.sign_in.clone()
    };
    store
        .insert_sign_in(&RequestClient::Stored(c.clone()), &open, Some((&v, &cer)))
        .await
        .expect("sign-in");
}

#[tokio::test]
async fn a_ceremony_is_used_by_exactly_one_completion_under_concurrency() {
    for (url, store) in stores().await {
        let (c, u, _) = signed_up(&store, "ada").await;
        let pk = passkey(&u.id, b"cred-ada");
        let (v, cer) = ceremony(&pk.id, now() + 1000);
        store.insert_passkey(&pk, &v, &cer).await.expect("passkey");
        let first = completion(session(&c.id, &u.id), &pk.id);
        open_sign_in(&store, &c, &first).await;
        let id = first.sign_in.id.clone();
        assert_eq!(
            store
                .find_ceremony(&id)
                .await
                .expect("find")
                .map(|c| c.state),
            Some(format!("state of {id}")),
            "{url}: reading a ceremony leaves it"
        );
        // Twenty answers to one challenge, each with a session of its own.
        let racing: Vec<SignInCompletion> = (0..20)
            .map(|_| {
                let mut racer = completion(session(&c.id, &u.id), &pk.id);
                racer.sign_in.id = id.clone();
                racer
            })
            .collect();
        let results =
            futures::future::join_all(racing.iter().map(|r| store.complete_sign_in(r))).await;
        let won: Vec<_> = (0..results.len()).filter(|&i| results[i].is_ok()).collect();
        assert_eq!(won.len(), 1, "{url}: {results:?}");
        assert!(
            results
                .iter()
                .all(|r| matches!(r, Ok(_) | Err(Error::AlreadyVerified))),
            "{url}: {results:?}"
        );
        let shown = store.find_verification(&id).await.expect("find");
        assert_eq!(
            shown.map(|v| (v.status, v.nonce, v.attempts)),
            Some((VerificationStatus::Verified, None, 1)),
            "{url}: the attempt is counted once"
        );
        let sessions = store.list_client_sessions(&c.id).await.expect("sessions");
        assert_eq!(sessions.len(), 2, "{url}: one session more");
        assert!(
            sessions.iter().any(|s| s.id == racing[won[0]].session.id),
            "{url}"
        );
        assert_eq!(store.find_ceremony(&id).await.expect("find"), None, "{url}");
        // Ends the ceremony as failed: whether it was there, and the verification after.
        let fail = || async {
            let ended = store
                .end_ceremony(&id, VerificationStatus::Failed)
                .await
                .expect("end");
            let shown = store.find_verification(&id).await.expect("find");
            (ended, shown.map(|v| (v.status, v.attempts)))
        };
        assert_eq!(
            fail().await,
            (false, Some((VerificationStatus::Verified, 1))),
            "{url}: nothing is left for a failure to end; the completion's outcome stands"
        );
        // Preparing again replaces the ceremony; a failure uses it up and is counted.
        let (v, cer) = ceremony(&id, now() + 2000);
        store.upsert_verification(&v, &cer).await.expect("upsert");
        assert_eq!(
            store
                .find_ceremony(&id)
                .await
                .expect("find")
                .map(|c| c.expire_at),
            Some(now() + 2000),
            "{url}"
        );
        assert_eq!(
            fail().await,
            (true, Some((VerificationStatus::Failed, 1))),
            "{url}"
        );
        let mut late = completion(session(&c.id, &u.id), &pk.id);
        late.sign_in.id = id.clone();
        let refused = store.complete_sign_in(&late).await;
        assert!(
            matches!(refused, Err(Error::AlreadyVerified)),
            "{url}: a failed attempt's challenge completes nothing: {refused:?}"
        );
    }
}

#[tokio::test]
async fn concurrent_sign_ins_with_one_passkey_all_commit() {
    for (url, store) in stores().await {
        let (c, u, _) = signed_up(&store, "ada").await;
        let pk = passkey(&u.id, b"cred-ada");
        let (v, cer) = ceremony(&pk.id, now() + 1000);
        store.insert_passkey(&pk, &v, &cer).await.expect("passkey");
        let completions: Vec<SignInCompletion> = (0..10)
            .map(|i| {
                let sign_in = SignIn {
                    id: new_id(Kind::SignIn),
                    client_id: c.id.clone(),
                    status: SignInStatus::Complete,
                    identifier: None,
                    user_id: Some(u.id.clone()),
                    created_session_id: None,
                    abandon_at: now() + 1000,
                    created_at: now(),
                    updated_at: now(),
                };
                SignInCompletion {
                    sign_in,
                    session: session(&c.id, &u.id),
                    used: PasskeyUse {
                        passkey_id: pk.id.clone(),
                        credential: format!("{{\"counter\":{i}}}"),
                        backed_up: true,
                        public_key: Some(format!("ES256:key{i}")),
                    },
                    now: now() + i,
                    events: vec![event("sign_in.succeeded", Some(&u.id))],
                }
            })
            .collect();
        for completion in &completions {
            open_sign_in(&store, &c, completion).await;
        }
        let results =
            futures::future::join_all(completions.iter().map(|c| store.complete_sign_in(c))).await;
        assert!(results.iter().all(Result::is_ok), "{url}: {results:?}");
        let stored = store
            .find_passkey(&u.id, &pk.id)
            .await
            .expect("find")
            .expect("passkey");
        assert!(stored.backed_up && stored.last_used_at.is_some(), "{url}");
        assert!(
            stored
                .public_key
                .is_some_and(|key| key.starts_with("ES256:key")),
            "{url}: the first sign-in stores the converted key"
        );
        assert_eq!(
            store
                .list_client_sessions(&c.id)
                .await
                .expect("sessions")
                .len(),
            11,
            "{url}"
        );
    }
}

#[tokio::test]
async fn a_users_live_sessions_are_listed_most_recently_active_first_with_where_they_began() {
    for (url, store) in stores().await {
        let (c, ada, first) = signed_up(&store, "ada").await;
        let (_, bob, _) = signed_up(&store, "bob").await;
        let pk = passkey(&ada.id, b"cred-ada");
        let (v, cer) = ceremony(&pk.id, now() + 1000);
        store.insert_passkey(&pk, &v, &cer).await.expect("passkey");
        let other = client();
        // A later session on another client, made by a request with neither IP nor
        // User-Agent; one that ended; one abandoned.
        let later = Session {
            last_active_at: now() + 500,
            ip: None,
            user_agent: None,
            ..session(&other.id, &ada.id)
        };
        let ended = session(&c.id, &ada.id);
        let abandoned = Session {
            last_active_at: now() + 900,
            abandon_at: now(),
            ..session(&c.id, &ada.id)
        };
        let clients = [
            RequestClient::New {
                client: other.clone(),
                token_hash: b"other".to_vec(),
            },
            RequestClient::Stored(c.clone()),
            RequestClient::Stored(c.clone()),
        ];
        for (request_client, s) in clients.iter().zip([&later, &ended, &abandoned]) {
            let completion = completion(s.clone(), &pk.id);
            let (v, cer) = ceremony(&completion.sign_in.id, now() + 1000);
            store
                .insert_sign_in(request_client, &completion.sign_in, Some((&v, &cer)))
                .await
                .expect("sign-in");
            store.complete_sign_in(&completion).await.expect("complete");
        }
        store
            .update_session(
                &Session {
                    status: SessionStatus::Ended,
                    ..ended.clone()
                },
                None,
            )
            .await
            .expect("end");
        let live = store
            .list_live_user_sessions(&ada.id, now())
            .await
            .expect("list");
        assert_eq!(live, vec![later, first], "{url}");
        assert_eq!(live[1].ip.as_deref(), Some("203.0.113.7"), "{url}");
        assert!(
            live[1]
                .user_agent
                .as_deref()
                .is_some_and(|ua| ua.contains("Firefox/128.0")),
            "{url}"
        );
        let bobs = store
            .list_live_user_sessions(&bob.id, now())
            .await
            .expect("list");
        assert_eq!(bobs.len(), 1, "{url}");
        assert_eq!(bobs[0].user_id, bob.id, "{url}");
    }
}

#[tokio::test]
async fn deleting_a_user_cascades_and_a_deleted_passkey_cannot_complete_a_sign_in() {
    for (url, store) in stores().await {
        let (c, u, s) = signed_up(&store, "ada").await;
        let pk = passkey(&u.id, b"cred-ada");
        let (v, cer) = ceremony(&pk.id, now() + 1000);
        store.insert_passkey(&pk, &v, &cer).await.expect("passkey");
        assert!(
            store
                .delete_passkey(&u.id, &pk.id, &event("passkey.deleted", Some(&u.id)))
                .await
                .expect("delete"),
            "{url}"
        );
        assert!(
            !store
                .delete_passkey(&u.id, &pk.id, &event("passkey.deleted", Some(&u.id)))
                .await
                .expect("delete")
        );
        assert_eq!(
            store.find_verification(&pk.id).await.expect("v"),
            None,
            "{url}: its ceremony goes too"
        );
        let completion = completion(session(&c.id, &u.id), &pk.id);
        open_sign_in(&store, &c, &completion).await;
        assert!(
            matches!(
                store.complete_sign_in(&completion).await,
                Err(Error::PasskeyNotRegistered)
            ),
            "{url}"
        );
        assert_eq!(
            store
                .find_session(&completion.session.id)
                .await
                .expect("find"),
            None,
            "{url}: rolled back"
        );
        assert!(
            store
                .find_ceremony(&completion.sign_in.id)
                .await
                .expect("find")
                .is_some(),
            "{url}: the challenge is not used by a refused completion"
        );
        // Nor can it step a session up: the session's proof stays as it was.
        let (v, cer) = ceremony(&s.id, now() + 1000);
        store.upsert_verification(&v, &cer).await.expect("upsert");
        let before = store.find_session(&s.id).await.expect("find");
        let step_up = Reverification {
            session_id: s.id.clone(),
            used: completion.used.clone(),
            now: now() + 5000,
            events: vec![event("session.reverified", Some(&u.id))],
        };
        assert!(
            matches!(
                store.complete_reverification(&step_up).await,
                Err(Error::PasskeyNotRegistered)
            ),
            "{url}"
        );
        assert_eq!(
            store.find_session(&s.id).await.expect("find"),
            before,
            "{url}: rolled back"
        );
        let pk2 = passkey(&u.id, b"cred-2");
        let (v, cer) = ceremony(&pk2.id, now() + 1000);
        store.insert_passkey(&pk2, &v, &cer).await.expect("passkey");
        assert!(
            store
                .delete_user(&u.id, now(), &event("user.deleted", Some(&u.id)))
                .await
                .expect("delete user")
        );
        assert_eq!(
            store.find_session(&s.id).await.expect("find"),
            None,
            "{url}"
        );
        assert_eq!(
            store
                .find_passkey_by_credential_id(b"cred-2")
                .await
                .expect("find"),
            None,
            "{url}"
        );
        let page = Page {
            limit: 50,
            offset: 0,
        };
        let of_user = AuditFilter {
            user_id: Some(u.id.clone()),
            ..AuditFilter::default()
        };
        let (events, _) = store
            .list_audit_events(&of_user, page)
            .await
            .expect("events");
        let deleted = AuditFilter {
            kind: Some("user.deleted".into()),
            ..of_user.clone()
        };
        let (found, total) = store
            .list_audit_events(&deleted, page)
            .await
            .expect("events");
        assert_eq!((found.len(), total), (1, 1), "{url}");
        let later = AuditFilter {
            since: Some(found[0].created_at + 1),
            ..deleted
        };
        let (found, total) = store.list_audit_events(&later, page).await.expect("events");
        assert_eq!((found.len(), total), (0, 0), "{url}");
        assert!(
            events.iter().any(|e| e.kind == "user.deleted"),
            "{url}: audit events outlive the user"
        );
    }
}

#[tokio::test]
async fn passkey_registration_rename_and_pending_sessions() {
    for (url, store) in stores().await {
        let (c, u, _) = signed_up(&store, "ada").await;
        let mut pending = session(&c.id, &u.id);
        pending.status = SessionStatus::Pending;
        let mut pk = passkey(&u.id, b"cred");
        pk.verified = false;
        pk.credential_id = None;
        let (v, cer) = ceremony(&pk.id, now() + 1000);
        store.insert_passkey(&pk, &v, &cer).await.expect("insert");
        assert!(
            store.list_passkeys(&u.id).await.expect("list").is_empty(),
            "{url}: unverified passkeys are not listed"
        );
        let mut ended = pending.clone();
        ended.status = SessionStatus::Ended;
        store
            .update_session(&ended, None)
            .await
            .expect("updating a missing session is a no-op");
        let verified = Passkey {
            verified: true,
            credential_id: Some(b"cred".to_vec()),
            ..pk.clone()
        };
        store
            .complete_passkey_registration(&verified, &event("passkey.created", Some(&u.id)))
            .await
            .expect("complete");
        assert!(
            matches!(
                store
                    .complete_passkey_registration(&verified, &event("passkey.created", None))
                    .await,
                Err(Error::AlreadyVerified)
            ),
            "{url}: its ceremony is used up"
        );
        assert_eq!(
            store.list_passkeys(&u.id).await.expect("list").len(),
            1,
            "{url}"
        );
        let record = store
            .find_client_record(&c.id)
            .await
            .expect("record")
            .expect("client");
        let listed = &record.sessions[0].passkeys;
        assert_eq!(
            listed.len(),
            1,
            "{url}: the client's view lists the passkey"
        );
        assert_eq!(
            (listed[0].id.as_str(), listed[0].credential_id.as_deref()),
            (pk.id.as_str(), Some(&b"cred"[..])),
            "{url}"
        );
        assert!(
            listed[0].credential.is_none() && listed[0].public_key.is_none(),
            "{url}: a client's view reads no key material"
        );
        let renamed = Passkey {
            name: Some("Laptop".into()),
            ..verified
        };
        store
            .rename_passkey(&renamed, &event("passkey.renamed", Some(&u.id)))
            .await
            .expect("rename");
        assert_eq!(
            store
                .find_passkey(&u.id, &pk.id)
                .await
                .expect("find")
                .and_then(|p| p.name),
            Some("Laptop".into())
        );
        assert_eq!(
            store
                .find_passkey("user_other", &pk.id)
                .await
                .expect("find"),
            None,
            "{url}: scoped to its user"
        );
    }
}

#[tokio::test]
async fn keys_settings_and_clean_up() {
    for (url, store) in stores().await {
        for i in 0..3 {
            store
                .insert_signing_key(&SigningKey {
                    kid: format!("key_{i}"),
                    algorithm: if i == 2 {
                        SigningAlgorithm::Rs256
                    } else {
                        SigningAlgorithm::Es256
                    },
                    private_key: "k".into(),
                    created_at: now() + i,
                })
                .await
                .expect("key");
        }
        let keys = store.list_signing_keys().await.expect("keys");
        assert_eq!(keys[0].kid, "key_2", "{url}: newest first");
        assert_eq!(
            keys.iter().map(|k| k.algorithm).collect::<Vec<_>>(),
            [
                SigningAlgorithm::Rs256,
                SigningAlgorithm::Es256,
                SigningAlgorithm::Es256
            ],
            "{url}: each key's algorithm"
        );
        assert_eq!(store.prune_signing_keys(1).await.expect("prune"), 2);
        assert_eq!(store.list_signing_keys().await.expect("keys").len(), 1);
        assert!(store.insert_setting("a", "1").await.expect("set"));
        assert!(
            !store.insert_setting("a", "2").await.expect("set"),
            "{url}: first write wins"
        );
        assert_eq!(
            store.find_setting("a").await.expect("get").as_deref(),
            Some("1")
        );
        let (v, c) = ceremony("sia_old", now() - 10);
        store.upsert_verification(&v, &c).await.expect("upsert");
        assert!(
            store.delete_expired(now()).await.expect("clean") >= 1,
            "{url}"
        );
        assert_eq!(store.find_ceremony("sia_old").await.expect("find"), None);
        // Running the clean-up twice at once (two replicas) is harmless.
        let (a, b) = tokio::join!(store.delete_expired(now()), store.delete_expired(now()));
        assert!(a.is_ok() && b.is_ok(), "{url}");
    }
}

/// Runs `tamper` (with a one-byte checksum as `$1`) on the database behind `url`, then
/// `migrate`; returns its error text.
async fn migrate_error_after(url: &str, store: &SqlStore, tamper: &str) -> String {
    sqlx::any::install_default_drivers();
    sqlx::query(tamper)
        .bind(vec![0u8])
        .execute(&sqlx::AnyPool::connect(url).await.expect("pool"))
        .await
        .expect("tamper with the migration record");
    store
        .migrate()
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_schema_newer_than_the_binary_is_refused() {
    for (url, store) in stores().await {
        let err = migrate_error_after(
            &url,
            &store,
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (99999, 'future', TRUE, $1, 0)",
        )
        .await;
        assert!(err.contains("newer than this binary"), "{url}: {err}");
    }
}

#[tokio::test]
async fn an_applied_migration_that_was_edited_is_refused() {
    for (url, store) in stores().await {
        let err = migrate_error_after(
            &url,
            &store,
            "UPDATE _sqlx_migrations SET checksum = $1 WHERE version = 1",
        )
        .await;
        assert!(
            err.contains("migration 1 was previously applied but has been modified"),
            "{url}: {err}"
        );
    }
}

#[tokio::test]
async fn a_failed_transaction_in_a_one_connection_scope_rolls_back_and_the_scope_goes_on() {
    sqlx::any::install_default_drivers();
    for (url, store) in stores().await {
        let (bob, ada) = latchkey_store::on_one_connection(async {
            let (_, ada, _) = signed_up(&store, "ada").await;
            let taken = passkey(&ada.id, b"cred-1");
            let (v, c) = ceremony(&taken.id, now() + 1000);
            store.insert_passkey(&taken, &v, &c).await.expect("passkey");
            // Stores the user, then fails on the passkey: the user must not remain, and
            // the connection must serve the scope's next statements.
            let bob = user("bob");
            let c = client();
            let sign_up = SignUp {
                id: new_id(Kind::SignUp),
                client_id: c.id.clone(),
                status: SignUpStatus::Complete,
                username: bob.username.clone(),
                email_address: None,
                first_name: None,
                last_name: None,
                user_handle: None,
                created_user_id: Some(bob.id.clone()),
                created_session_id: None,
                abandon_at: now() + 1000,
                created_at: now(),
                updated_at: now(),
            };
            let failed = store
                .complete_sign_up(&SignUpCompletion {
                    sign_up,
                    user: bob.clone(),
                    passkey: Some(passkey(&bob.id, b"cred-1")),
                    session: session(&c.id, &bob.id),
                    email_verified_at: None,
                    events: vec![],
                })
                .await;
            assert!(
                matches!(failed, Err(Error::PasskeyAlreadyExists)),
                "{url}: {failed:?}"
            );
            assert_eq!(store.find_user(&bob.id).await.expect("find"), None, "{url}");
            let (_, eve, _) = signed_up(&store, "eve").await;
            assert_eq!(
                store.find_user(&eve.id).await.expect("find").map(|u| u.id),
                Some(eve.id.clone()),
                "{url}"
            );
            (bob, ada)
        })
        .await;
        // Another connection sees the scope's committed writes and not the failed one.
        let other = sqlx::AnyPool::connect(&url).await.expect("pool");
        let count = |id: String| {
            let other = other.clone();
            async move {
                sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users WHERE id = $1")
                    .bind(id)
                    .fetch_one(&other)
                    .await
                    .expect("count")
            }
        };
        assert_eq!(count(ada.id).await, 1, "{url}");
        assert_eq!(count(bob.id).await, 0, "{url}");
    }
}
