//! Every check of `Verifier::verify_at`, against a fixed JWKS.

use latchkey_verify::{Claims, JwksError, SessionStatus, Verifier, VerifierConfig, VerifyError};
use serde_json::{Value, json};

use crate::support::{
    APP, ISS, Key, NOW, RsaKey, b64, claims, claims_at, config, jwks, jwks_of, unix_now,
};

fn setup(config: VerifierConfig) -> (Key, Verifier) {
    let key = Key::generate("key_1");
    let verifier = Verifier::with_jwks(config, &jwks(&[&key])).expect("verifier");
    (key, verifier)
}

async fn check(verifier: &Verifier, token: &str, now: i64) -> Result<Claims, VerifyError> {
    verifier.verify_at(token, now).await
}

fn with(changes: Value) -> Value {
    let mut claims = claims();
    for (name, value) in changes.as_object().expect("object") {
        if value.is_null() {
            claims.as_object_mut().expect("object").remove(name);
        } else {
            claims[name] = value.clone();
        }
    }
    claims
}

#[tokio::test]
async fn a_good_token_is_accepted_with_its_claims() {
    let (key, verifier) = setup(config());
    let claims = check(&verifier, &key.sign(&claims()), NOW)
        .await
        .expect("valid");
    assert_eq!(
        claims,
        Claims {
            iss: ISS.into(),
            sub: "user_1".into(),
            sid: "sess_1".into(),
            iat: NOW,
            nbf: NOW - 5,
            exp: NOW + 60,
            jti: "jti_1".into(),
            azp: Some(APP.into()),
            sts: SessionStatus::Active,
            v: 1,
        }
    );
    assert_eq!(claims.user_id(), "user_1");
    assert_eq!(claims.session_id(), "sess_1");
}

#[tokio::test]
async fn verify_uses_the_system_clock() {
    let (key, verifier) = setup(config());
    let now = unix_now();
    assert!(verifier.verify(&key.sign(&claims_at(now))).await.is_ok());
    let old = key.sign(&claims_at(now - 3600));
    assert!(matches!(
        verifier.verify(&old).await,
        Err(VerifyError::Expired { .. })
    ));
}

#[tokio::test]
async fn unknown_claims_are_ignored() {
    let (key, verifier) = setup(config());
    let token = key.sign(&with(json!({ "org": "org_1", "extra": [1, 2] })));
    assert!(check(&verifier, &token, NOW).await.is_ok());
}

#[tokio::test]
async fn a_tampered_payload_is_refused() {
    let (key, verifier) = setup(config());
    let token = key.sign(&claims());
    let parts: Vec<&str> = token.split('.').collect();
    let forged = b64(with(json!({ "sub": "user_admin" })).to_string());
    let tampered = format!("{}.{forged}.{}", parts[0], parts[2]);
    assert_eq!(
        check(&verifier, &tampered, NOW).await,
        Err(VerifyError::BadSignature)
    );
}

#[tokio::test]
async fn a_tampered_signature_is_refused() {
    let (key, verifier) = setup(config());
    let token = key.sign(&claims());
    let (input, signature) = token.rsplit_once('.').expect("three parts");
    let mut bytes = base64_decode(signature);
    bytes[10] ^= 1;
    let tampered = format!("{input}.{}", b64(&bytes));
    assert_eq!(
        check(&verifier, &tampered, NOW).await,
        Err(VerifyError::BadSignature)
    );

    // Wrong lengths, e.g. a DER signature instead of raw r || s.
    for bad in [
        &bytes[..63],
        &[bytes.as_slice(), &[0]].concat()[..],
        &[0u8; 64][..],
    ] {
        let tampered = format!("{input}.{}", b64(bad));
        assert_eq!(
            check(&verifier, &tampered, NOW).await,
            Err(VerifyError::BadSignature)
        );
    }
}

#[tokio::test]
async fn a_token_signed_by_another_key_with_the_same_kid_is_refused() {
    let (_, verifier) = setup(config());
    let impostor = Key::generate("key_1");
    assert_eq!(
        check(&verifier, &impostor.sign(&claims()), NOW).await,
        Err(VerifyError::BadSignature)
    );
}

fn base64_decode(part: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .expect("base64url")
}

#[tokio::test]
async fn alg_none_is_refused() {
    let (_, verifier) = setup(config());
    let header = b64(json!({ "alg": "none", "kid": "key_1", "typ": "JWT" }).to_string());
    let payload = b64(claims().to_string());
    for token in [
        format!("{header}.{payload}."),
        format!("{header}.{payload}.AAAA"),
    ] {
        assert_eq!(
            check(&verifier, &token, NOW).await,
            Err(VerifyError::UnsupportedAlgorithm("none".into()))
        );
    }
}

#[tokio::test]
async fn other_algorithms_are_refused_before_any_key_is_used() {
    let (key, verifier) = setup(config());
    for alg in [
        "HS256", "RS384", "PS256", "ES384", "EdDSA", "es256", "rs256",
    ] {
        let header = json!({ "alg": alg, "kid": "key_1", "typ": "JWT" });
        // Signed with the ES256 key: the algorithm alone must be enough to refuse it.
        let token = key.sign_with_header(&header, &claims());
        assert_eq!(
            check(&verifier, &token, NOW).await,
            Err(VerifyError::UnsupportedAlgorithm(alg.into()))
        );
    }
    // HS256 keyed with the public key's JWK, the classic key-confusion forgery.
    let header = b64(json!({ "alg": "HS256", "kid": "key_1" }).to_string());
    let token = format!("{header}.{}.{}", b64(claims().to_string()), b64([7u8; 32]));
    assert_eq!(
        check(&verifier, &token, NOW).await,
        Err(VerifyError::UnsupportedAlgorithm("HS256".into()))
    );
}

#[tokio::test]
async fn an_unknown_kid_is_refused() {
    let (_, verifier) = setup(config());
    let stranger = Key::generate("key_2");
    assert_eq!(
        check(&verifier, &stranger.sign(&claims()), NOW).await,
        Err(VerifyError::UnknownKey("key_2".into()))
    );
}

#[tokio::test]
async fn a_header_without_kid_or_with_crit_or_another_typ_is_malformed() {
    let (key, verifier) = setup(config());
    for header in [
        json!({ "alg": "ES256", "typ": "JWT" }),
        json!({ "alg": "ES256", "kid": "key_1", "crit": ["exp"] }),
        json!({ "alg": "ES256", "kid": "key_1", "typ": "at+jwt" }),
        json!({ "alg": "ES256", "kid": 1 }),
    ] {
        let token = key.sign_with_header(&header, &claims());
        assert!(
            matches!(
                check(&verifier, &token, NOW).await,
                Err(VerifyError::Malformed(_))
            ),
            "{header}"
        );
    }
    // No typ at all is fine.
    let token = key.sign_with_header(&json!({ "alg": "ES256", "kid": "key_1" }), &claims());
    assert!(check(&verifier, &token, NOW).await.is_ok());
}

#[tokio::test]
async fn expiry_is_checked_with_five_seconds_of_leeway() {
    let (key, verifier) = setup(config());
    let token = key.sign(&claims());
    let exp = NOW + 60;
    assert!(check(&verifier, &token, exp - 1).await.is_ok());
    assert!(check(&verifier, &token, exp).await.is_ok());
    assert!(check(&verifier, &token, exp + 4).await.is_ok());
    for now in [exp + 5, exp + 3600] {
        assert_eq!(
            check(&verifier, &token, now).await,
            Err(VerifyError::Expired { exp, now })
        );
    }
}

#[tokio::test]
async fn the_leeway_is_configurable() {
    let (key, verifier) = setup(VerifierConfig {
        leeway_secs: 0,
        ..config()
    });
    let token = key.sign(&claims());
    assert!(check(&verifier, &token, NOW + 59).await.is_ok());
    assert!(matches!(
        check(&verifier, &token, NOW + 60).await,
        Err(VerifyError::Expired { .. })
    ));
    assert!(matches!(
        check(&verifier, &token, NOW - 6).await,
        Err(VerifyError::NotYetValid { .. })
    ));
}

#[tokio::test]
async fn a_token_not_yet_valid_is_refused() {
    let (key, verifier) = setup(config());
    let token = key.sign(&claims());
    let nbf = NOW - 5;
    assert!(check(&verifier, &token, nbf).await.is_ok());
    assert!(check(&verifier, &token, nbf - 5).await.is_ok());
    for now in [nbf - 6, NOW - 3600] {
        assert_eq!(
            check(&verifier, &token, now).await,
            Err(VerifyError::NotYetValid { nbf, now })
        );
    }
}

#[tokio::test]
async fn another_issuer_is_refused() {
    let (key, verifier) = setup(config());
    for iss in [
        "http://localhost:8081",
        "http://localhost:8080/",
        "https://localhost:8080",
        "",
    ] {
        assert_eq!(
            check(&verifier, &key.sign(&with(json!({ "iss": iss }))), NOW).await,
            Err(VerifyError::WrongIssuer {
                expected: ISS.into(),
                found: iss.into(),
            })
        );
    }
}

#[tokio::test]
async fn a_trailing_slash_on_the_configured_issuer_is_ignored() {
    let (key, verifier) = setup(VerifierConfig::new(format!("{ISS}/")));
    assert_eq!(verifier.issuer(), ISS);
    assert!(check(&verifier, &key.sign(&claims()), NOW).await.is_ok());
}

#[tokio::test]
async fn azp_must_be_allowed_when_a_list_is_set() {
    let (key, verifier) = setup(VerifierConfig {
        authorized_parties: vec!["https://app.example.com".into(), format!("{APP}/")],
        ..config()
    });
    assert!(check(&verifier, &key.sign(&claims()), NOW).await.is_ok());
    let other = key.sign(&with(json!({ "azp": "https://evil.example.com" })));
    assert_eq!(
        check(&verifier, &other, NOW).await,
        Err(VerifyError::UnauthorizedParty(Some(
            "https://evil.example.com".into()
        )))
    );
    // A token minted without an origin (a native app's) is not one of the listed origins'.
    let none = key.sign(&with(json!({ "azp": null })));
    assert_eq!(
        check(&verifier, &none, NOW).await,
        Err(VerifyError::UnauthorizedParty(None))
    );
}

#[tokio::test]
async fn any_azp_or_none_is_accepted_without_a_list() {
    let (key, verifier) = setup(config());
    let other = key.sign(&with(json!({ "azp": "https://elsewhere.example.com" })));
    assert!(check(&verifier, &other, NOW).await.is_ok());
    let none = check(&verifier, &key.sign(&with(json!({ "azp": null }))), NOW).await;
    assert_eq!(none.expect("valid").azp, None);
}

#[tokio::test]
async fn a_pending_session_counts_as_signed_out() {
    let (key, verifier) = setup(config());
    let token = key.sign(&with(json!({ "sts": "pending" })));
    assert_eq!(
        check(&verifier, &token, NOW).await,
        Err(VerifyError::SessionPending)
    );
}

#[tokio::test]
async fn a_pending_session_is_accepted_when_asked() {
    let (key, verifier) = setup(VerifierConfig {
        accept_pending: true,
        ..config()
    });
    let token = key.sign(&with(json!({ "sts": "pending" })));
    let claims = check(&verifier, &token, NOW).await.expect("accepted");
    assert_eq!(claims.sts, SessionStatus::Pending);
}

#[tokio::test]
async fn another_version_is_refused() {
    let (key, verifier) = setup(config());
    let token = key.sign(&with(json!({ "v": 2 })));
    assert_eq!(
        check(&verifier, &token, NOW).await,
        Err(VerifyError::UnsupportedVersion(2))
    );
}

#[tokio::test]
async fn missing_or_mistyped_claims_and_unknown_statuses_are_malformed() {
    let (key, verifier) = setup(config());
    for changes in [
        json!({ "sid": null }),
        json!({ "sub": null }),
        json!({ "exp": null }),
        json!({ "exp": "soon" }),
        json!({ "exp": 1.5 }),
        json!({ "sts": "revoked" }),
        json!({ "sts": null }),
        json!({ "v": null }),
    ] {
        let token = key.sign(&with(changes.clone()));
        assert!(
            matches!(
                check(&verifier, &token, NOW).await,
                Err(VerifyError::Malformed(_))
            ),
            "{changes}"
        );
    }
    let token = key.sign(&json!([1, 2]));
    assert!(matches!(
        check(&verifier, &token, NOW).await,
        Err(VerifyError::Malformed(_))
    ));
}

#[tokio::test]
async fn malformed_strings_are_refused() {
    let (key, verifier) = setup(config());
    let good = key.sign(&claims());
    let parts: Vec<&str> = good.split('.').collect();
    let (h, p, s) = (parts[0], parts[1], parts[2]);
    let candidates = [
        String::new(),
        "not a token".into(),
        "a.b".into(),
        format!("{h}.{p}"),
        format!("{good}.{s}"),
        format!("{h}..{s}"),
        format!(".{p}.{s}"),
        format!("{h}={p}.{s}"),
        format!("{h}.{p}=.{s}"),
        format!("{h}.{p}.{s}="),
        format!("{h}.{p}.{s}=="),
        format!(" {good}"),
        format!("{good} "),
        format!("{h}.{p}.{}", s.replace('-', "+").replace('_', "/") + "+"),
        format!("{}.{p}.{s}", b64("not json")),
        format!("{}.{p}.{s}", b64("[\"ES256\"]")),
        format!(
            "{}.{p}.{s}",
            b64("{\"alg\":\"ES256\",\"kid\":\"key_1\",\"alg\":\"none\"}")
        ),
        format!("{h}.{}.{s}", "A".repeat(9000)),
        "Bearer x.y.z".into(),
    ];
    for token in candidates {
        let result = check(&verifier, &token, NOW).await;
        assert!(
            matches!(result, Err(VerifyError::Malformed(_))),
            "{token:.80}: {result:?}"
        );
    }
}

#[tokio::test]
async fn a_jwks_without_usable_keys_cannot_build_a_verifier() {
    for document in [
        "",
        "{}",
        "{\"keys\":[]}",
        "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"r\"}]}",
    ] {
        assert!(
            matches!(
                Verifier::with_jwks(config(), document),
                Err(VerifyError::Jwks(JwksError::Invalid(_)))
            ),
            "{document}"
        );
    }
}

#[tokio::test]
async fn unusable_configurations_are_refused() {
    let key = Key::generate("key_1");
    assert!(matches!(
        Verifier::with_jwks(VerifierConfig::new("/"), &jwks(&[&key])),
        Err(VerifyError::InvalidConfig(_))
    ));
    for jwks_url in [
        "not a url",
        "ftp://localhost/jwks.json",
        "file:///etc/jwks.json",
    ] {
        let config = VerifierConfig {
            jwks_url: Some(jwks_url.into()),
            ..config()
        };
        assert!(
            matches!(Verifier::new(config), Err(VerifyError::InvalidConfig(_))),
            "{jwks_url}"
        );
    }
    assert!(Verifier::new(config()).is_ok());
}

/// A verifier trusting an ES256 key `key_ec` and an RS256 key `key_rsa`, as a server
/// whose `keys.algorithm` changed publishes them.
fn setup_both(config: VerifierConfig) -> (Key, RsaKey, Verifier) {
    let ec = Key::generate("key_ec");
    let rsa = RsaKey::generate("key_rsa");
    let verifier = Verifier::with_jwks(config, &jwks_of(&[rsa.jwk(), ec.jwk()])).expect("verifier");
    (ec, rsa, verifier)
}

#[tokio::test]
async fn rs256_tokens_are_accepted_beside_es256_ones() {
    let (ec, rsa, verifier) = setup_both(config());
    let verified = check(&verifier, &rsa.sign(&claims()), NOW)
        .await
        .expect("RS256 token");
    assert_eq!(
        (verified.sub.as_str(), verified.azp.as_deref()),
        ("user_1", Some(APP))
    );
    assert!(check(&verifier, &ec.sign(&claims()), NOW).await.is_ok());
    // The claim checks apply alike.
    assert!(matches!(
        check(&verifier, &rsa.sign(&claims()), NOW + 3600).await,
        Err(VerifyError::Expired { .. })
    ));
    let authorized = Verifier::with_jwks(
        VerifierConfig {
            authorized_parties: vec!["https://other.example.com".into()],
            ..config()
        },
        &jwks_of(&[rsa.jwk()]),
    )
    .expect("verifier");
    assert_eq!(
        check(&authorized, &rsa.sign(&claims()), NOW).await,
        Err(VerifyError::UnauthorizedParty(Some(APP.into())))
    );
}

#[tokio::test]
async fn tampered_or_foreign_rs256_tokens_are_refused() {
    let (_, rsa, verifier) = setup_both(config());
    let token = rsa.sign(&claims());
    let [header, _, signature] = token.split('.').collect::<Vec<_>>()[..] else {
        panic!("three parts");
    };
    let forged = b64(with(json!({ "sub": "user_admin" })).to_string());
    assert_eq!(
        check(&verifier, &format!("{header}.{forged}.{signature}"), NOW).await,
        Err(VerifyError::BadSignature)
    );
    let mut bytes = base64_decode(signature);
    bytes[10] ^= 1;
    let payload = token.split('.').nth(1).expect("payload");
    assert_eq!(
        check(
            &verifier,
            &format!("{header}.{payload}.{}", b64(&bytes)),
            NOW
        )
        .await,
        Err(VerifyError::BadSignature)
    );
    let impostor = RsaKey::generate("key_rsa");
    assert_eq!(
        check(&verifier, &impostor.sign(&claims()), NOW).await,
        Err(VerifyError::BadSignature)
    );
}

#[tokio::test]
async fn a_key_verifies_only_tokens_of_its_own_algorithm() {
    let (ec, rsa, verifier) = setup_both(config());
    // An RS256 header naming the EC key, and an ES256 header naming the RSA key, each
    // signed by the named key's owner with its own algorithm.
    let rs256_on_ec = ec.sign_with_header(
        &json!({ "alg": "RS256", "kid": "key_ec", "typ": "JWT" }),
        &claims(),
    );
    let es256_on_rsa = rsa.sign_with_header(
        &json!({ "alg": "ES256", "kid": "key_rsa", "typ": "JWT" }),
        &claims(),
    );
    for token in [rs256_on_ec, es256_on_rsa] {
        assert_eq!(
            check(&verifier, &token, NOW).await,
            Err(VerifyError::BadSignature)
        );
    }
}
