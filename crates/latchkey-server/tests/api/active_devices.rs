//! The signed-in user's active devices (`GET /v1/me/sessions/active`): every live session
//! of the user with the browser, device and IP address it was made from, as a bare array
//! in the shape the vendor's `<UserProfile/>` reads.

use latchkey_testkit::{Browser, TestApp};
use serde_json::{Value, json};

use crate::user_with_passkey;

const SAFARI_ON_IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const FIREFOX_ON_WINDOWS: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0";

/// The id of the session a sign-in or sign-up reply created.
fn created_session(reply: &Value) -> String {
    reply["response"]["created_session_id"]
        .as_str()
        .expect("created_session_id")
        .to_owned()
}

/// The browser's active devices, which must be listed.
async fn active_devices(browser: &Browser, query: &str) -> Vec<Value> {
    let reply = browser.get(&format!("/v1/me/sessions/active{query}")).await;
    reply
        .ok()
        .as_array()
        .unwrap_or_else(|| panic!("a bare array: {}", reply.body))
        .clone()
}

fn ids(devices: &[Value]) -> Vec<&str> {
    devices.iter().filter_map(|d| d["id"].as_str()).collect()
}

#[tokio::test]
async fn active_devices_list_the_users_live_sessions_with_browser_device_and_ip() {
    // Requests from 127.0.0.1 come through a trusted proxy: its X-Forwarded-For is
    // believed, and a request without one is the proxy's own.
    let app =
        TestApp::spawn_with(|c| c.rate_limit.trusted_proxies = vec!["127.0.0.1".into()]).await;
    // Ada signs up on her laptop (Chrome on Linux, no forwarded address) and adds a
    // passkey, which signs her in on her phone (Safari on an iPhone, behind the proxy).
    let (laptop, mut authenticator, _) = user_with_passkey(&app, "ada").await;
    let laptop_session = laptop.get("/v1/client").await.ok()["response"]["last_active_session_id"]
        .as_str()
        .expect("laptop session")
        .to_owned();
    let mut phone = app.browser();
    phone.user_agent = SAFARI_ON_IPHONE.into();
    phone.forwarded_for = Some("198.51.100.23".into());
    let phone_session = created_session(phone.sign_in(&mut authenticator, &app.url).await.ok());
    // A session she signed out of and one she revoked are not devices any more.
    let mut old = app.browser();
    old.user_agent = FIREFOX_ON_WINDOWS.into();
    let ended = created_session(old.sign_in(&mut authenticator, &app.url).await.ok());
    old.post(&format!("/v1/client/sessions/{ended}/end"), &[])
        .await
        .ok();
    let lost = app.browser();
    let revoked = created_session(lost.sign_in(&mut authenticator, &app.url).await.ok());
    laptop
        .post(&format!("/v1/me/sessions/{revoked}/revoke"), &[])
        .await
        .ok();
    // Another user's sessions never appear.
    let mut bob = app.browser();
    bob.user_agent = FIREFOX_ON_WINDOWS.into();
    let bobs_session = created_session(bob.sign_up("bob").await.ok());

    // Five minutes later the laptop refreshes its token: it is the most recently active.
    app.clock.advance_secs(300);
    laptop.mint_token(&laptop_session).await;
    let devices = active_devices(&laptop, "").await;
    assert_eq!(ids(&devices), [laptop_session.as_str(), &phone_session]);
    let [on_laptop, on_phone] = [&devices[0], &devices[1]];
    for device in [on_laptop, on_phone] {
        assert_eq!(device["object"], "session");
        assert_eq!(device["status"], "active");
        for field in ["expire_at", "abandon_at", "last_active_at"] {
            assert!(device[field].is_i64(), "{field}: {device}");
        }
        let activity = &device["latest_activity"];
        assert_eq!(activity["object"], "session_activity");
        assert!(
            activity["id"]
                .as_str()
                .is_some_and(|id| id.starts_with("sact_")),
            "{activity}"
        );
        assert_eq!(activity["city"], Value::Null);
        assert_eq!(activity["country"], Value::Null);
    }
    assert!(
        on_laptop["last_active_at"].as_i64() > on_phone["last_active_at"].as_i64(),
        "newest activity first"
    );
    let activity = |device: &Value| {
        let a = &device["latest_activity"];
        json!([
            a["browser_name"],
            a["browser_version"],
            a["device_type"],
            a["is_mobile"],
            a["ip_address"]
        ])
    };
    assert_eq!(
        activity(on_laptop),
        json!(["Chrome", "126.0", "Linux", false, "127.0.0.1"])
    );
    assert_eq!(
        activity(on_phone),
        json!(["Safari", "17.5", "iPhone", true, "198.51.100.23"])
    );
    // The phone sees the same list, naming its session the vendor's way.
    let from_phone = active_devices(&phone, &format!("?_clerk_session_id={phone_session}")).await;
    assert_eq!(ids(&from_phone), ids(&devices));
    // Bob sees only his own.
    assert_eq!(
        ids(&active_devices(&bob, "").await),
        [bobs_session.as_str()]
    );
    // A device revoked from the list leaves it.
    laptop
        .post(
            &format!("/v1/me/sessions/{phone_session}/revoke?_clerk_session_id={laptop_session}"),
            &[],
        )
        .await
        .ok();
    assert_eq!(
        ids(&active_devices(&laptop, "").await),
        [laptop_session.as_str()]
    );
}

#[tokio::test]
async fn active_devices_need_a_signed_in_session() {
    let app = TestApp::spawn().await;
    // No client at all, then a client whose only session has ended.
    app.browser()
        .get("/v1/me/sessions/active")
        .await
        .assert_error(401, "authentication_invalid");
    let browser = app.browser();
    let session = created_session(browser.sign_up("ada").await.ok());
    assert_eq!(active_devices(&browser, "").await.len(), 1);
    browser
        .post(&format!("/v1/client/sessions/{session}/end"), &[])
        .await
        .ok();
    browser
        .get("/v1/me/sessions/active")
        .await
        .assert_error(401, "authentication_invalid");
    browser
        .get(&format!(
            "/v1/me/sessions/active?_clerk_session_id={session}"
        ))
        .await
        .assert_error(401, "authentication_invalid");
}

#[tokio::test]
async fn the_backend_api_shows_where_a_session_was_made() {
    let app = TestApp::spawn().await;
    let mut phone = app.browser();
    phone.user_agent = SAFARI_ON_IPHONE.into();
    let session = created_session(phone.sign_up("ada").await.ok());
    let mut api = Browser::new(&app.base, None);
    api.bearer = Some(app.secret_key().to_owned());
    let shown = api.get(&format!("/backend/v1/sessions/{session}")).await;
    let activity = &shown.ok()["latest_activity"];
    assert_eq!(activity["object"], "session_activity");
    assert_eq!(activity["browser_name"], "Safari");
    assert_eq!(activity["device_type"], "iPhone");
    assert_eq!(activity["is_mobile"], true);
    assert_eq!(activity["ip_address"], "127.0.0.1");
    assert_eq!(
        shown.ok()["object"],
        "session",
        "the session's own fields stay"
    );
    let listed = api.get("/backend/v1/sessions").await;
    assert_eq!(
        listed.ok()["data"][0]["latest_activity"]["browser_name"],
        "Safari"
    );
}
