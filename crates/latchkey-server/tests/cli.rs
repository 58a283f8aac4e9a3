//! The `latchkey` binary: help, configuration errors, migrations, keys, users,
//! operators and `serve`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn latchkey(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_latchkey"));
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    cmd
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("latchkey-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

#[test]
fn help_lists_every_command() {
    let out = latchkey(&std::env::temp_dir())
        .arg("--help")
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    for command in [
        "serve",
        "migrate",
        "check-config",
        "keys",
        "users",
        "admin",
        "mail",
    ] {
        assert!(text.contains(command), "{command} in {text}");
    }
    let out = latchkey(&std::env::temp_dir())
        .args(["keys", "--help"])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    for command in ["list", "rotate", "prune", "pem"] {
        assert!(text.contains(command), "{command} in {text}");
    }
}

#[test]
fn a_bad_value_stops_start_up_naming_the_key() {
    let dir = temp_dir("bad");
    let out = latchkey(&dir)
        .arg("check-config")
        .env("LATCHKEY_SESSIONS__TOKEN_TTL_SECS", "soon")
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("sessions.token_ttl_secs"), "{err}");
    let out = latchkey(&dir)
        .args(["serve", "--listen", "nowhere"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("server.listen"));
    assert!(!dir.join("latchkey.db").exists(), "nothing created");
}

#[test]
fn migrate_creates_the_database_and_keys_rotate_and_prune() {
    let dir = temp_dir("migrate");
    assert!(
        latchkey(&dir)
            .arg("migrate")
            .status()
            .expect("run")
            .success()
    );
    assert!(dir.join("latchkey.db").exists());
    let run = |args: &[&str]| {
        String::from_utf8_lossy(&latchkey(&dir).args(args).output().expect("run").stdout)
            .into_owned()
    };
    let rotated = run(&["keys", "rotate"]);
    assert!(rotated.contains("new signing key"), "{rotated}");
    let listed = run(&["keys", "list"]);
    assert_eq!(listed.lines().filter(|l| l.starts_with("key_")).count(), 1);
    run(&["keys", "rotate"]);
    assert_eq!(
        run(&["keys", "list"])
            .lines()
            .filter(|l| l.contains("verify-only"))
            .count(),
        1
    );
    run(&["keys", "prune"]);
    assert_eq!(
        run(&["keys", "list"])
            .lines()
            .filter(|l| l.starts_with("key_"))
            .count(),
        1
    );
    assert!(run(&["users", "list"]).contains("0 user(s)"));
}

#[test]
fn keys_list_shows_the_algorithm_and_keys_pem_prints_the_signing_key() {
    let dir = temp_dir("pem");
    let run = |args: &[&str], algorithm: &str| {
        latchkey(&dir)
            .args(args)
            .env("LATCHKEY_KEYS__ALGORITHM", algorithm)
            .output()
            .expect("run")
    };
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    assert!(run(&["migrate"], "ES256").status.success());
    let none = run(&["keys", "pem"], "ES256");
    assert!(!none.status.success(), "no key to print yet");
    assert!(text(&none.stderr).contains("no signing key"), "{none:?}");

    assert!(run(&["keys", "rotate"], "ES256").status.success());
    let pem = text(&run(&["keys", "pem"], "ES256").stdout);
    let key = <p256::PublicKey as p256::pkcs8::DecodePublicKey>::from_public_key_pem(&pem);
    assert!(key.is_ok(), "a P-256 SubjectPublicKeyInfo: {pem}");

    let rotated = run(&["keys", "rotate"], "RS256");
    assert!(rotated.status.success(), "{rotated:?}");
    // kid, algorithm, created, role, at rest; newest (the signer) first.
    let listed = text(&run(&["keys", "list"], "RS256").stdout);
    let rows: Vec<Vec<&str>> = listed
        .lines()
        .filter(|l| l.starts_with("key_"))
        .map(|l| l.split('\t').collect())
        .collect();
    assert_eq!(
        rows.iter().map(|r| (r[1], r[3], r[4])).collect::<Vec<_>>(),
        [
            ("RS256", "signing", "unencrypted"),
            ("ES256", "verify-only", "unencrypted")
        ],
        "{listed}"
    );
    let out = run(&["keys", "pem"], "RS256");
    assert!(out.status.success(), "{out:?}");
    let pem = text(&out.stdout);
    let lines: Vec<&str> = pem.lines().collect();
    assert_eq!(lines.first(), Some(&"-----BEGIN PUBLIC KEY-----"), "{pem}");
    assert_eq!(lines.last(), Some(&"-----END PUBLIC KEY-----"), "{pem}");
    // A 2048-bit RSA SubjectPublicKeyInfo with exponent 65537: what a verifier given one
    // PEM key for RS256 expects.
    let body = lines[1..lines.len() - 1].concat();
    assert!(
        body.starts_with("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA")
            && body.ends_with("IDAQAB"),
        "{body}"
    );
    assert!(text(&out.stderr).is_empty(), "{out:?}");
    // The signing key is printed even when keys.algorithm has changed since; a note says
    // the server will add a key of the configured algorithm.
    let out = run(&["keys", "pem"], "ES256");
    assert_eq!(text(&out.stdout), pem);
    assert!(
        text(&out.stderr).contains("keys.algorithm is ES256"),
        "{out:?}"
    );
}

#[test]
fn serve_with_no_configuration_prints_the_url_and_a_secret_key() {
    let dir = temp_dir("serve");
    let mut child = latchkey(&dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let lines: Vec<String> = BufReader::new(stdout)
        .lines()
        .take(2)
        .map_while(Result::ok)
        .collect();
    let _ = child.kill();
    let _ = child.wait();
    assert!(lines[0].contains("http://localhost:8080"), "{lines:?}");
    assert!(
        lines[1].contains("secret key") && lines[1].contains("sk_"),
        "{lines:?}"
    );
    assert!(dir.join("latchkey.db").exists());
}

#[tokio::test]
async fn users_list_show_and_delete_against_the_configured_database() {
    let dir = temp_dir("users");
    let database = match std::env::var("LATCHKEY_TEST_POSTGRES_URL") {
        Ok(server) => latchkey_testkit::fresh_postgres_database(&server).await,
        Err(_) => format!("sqlite://{}", dir.join("latchkey.db").display()),
    };
    let app = latchkey_testkit::TestApp::spawn_with(|c| c.database.url = database.clone()).await;
    let signed_up = app.browser().sign_up("ada").await;
    let user_id = signed_up.ok()["response"]["created_user_id"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    let run = |args: &[&str]| {
        let out = latchkey(&dir)
            .env("LATCHKEY_DATABASE__URL", &database)
            .args(args)
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let listed = run(&["users", "list"]);
    assert!(
        listed.contains(&user_id) && listed.contains("ada") && listed.contains("1 user(s)"),
        "{listed}"
    );
    let shown = run(&["users", "show", &user_id]);
    assert!(shown.contains("\"username\": \"ada\""), "{shown}");
    assert!(run(&["users", "delete", &user_id]).contains("deleted"));
    assert!(run(&["users", "list"]).contains("0 user(s)"));
}

#[tokio::test]
async fn admin_create_makes_an_operator_and_prints_a_working_enrolment_link() {
    let dir = temp_dir("admin");
    let database = match std::env::var("LATCHKEY_TEST_POSTGRES_URL") {
        Ok(server) => latchkey_testkit::fresh_postgres_database(&server).await,
        Err(_) => format!("sqlite://{}", dir.join("latchkey.db").display()),
    };
    let app = latchkey_testkit::TestApp::spawn_with(|c| c.database.url = database.clone()).await;
    app.browser().sign_up("ada").await.ok();
    let out = latchkey(&dir)
        .env("LATCHKEY_DATABASE__URL", &database)
        .env("LATCHKEY_SERVER__PUBLIC_URL", &app.url)
        .args(["admin", "create", "ada"])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("ada (user_"), "{text}");
    let prefix = format!("{}/dashboard/enrol#token=", app.url);
    let token = text
        .lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("a link starting {prefix} in {text}"));
    let dashboard =
        latchkey_testkit::Browser::new(&format!("{}/dashboard", app.url), Some(app.url.clone()));
    let enrolled = dashboard.post("/v1/enrolments", &[("token", token)]).await;
    assert_eq!(enrolled.ok()["response"]["user"]["username"], "ada");
    assert_eq!(enrolled.ok()["response"]["user"]["role"], "admin");
}
