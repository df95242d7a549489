//! The PID verifier against presentations made by a test issuer and wallet: one valid
//! presentation accepted, then one row per attack, each refused with its own error.

mod pid_support;

use std::time::Duration;

use p256::ecdsa::SigningKey;
use pid_support::{
    Credential, ISSUER, KeyBinding, PERSON_ID, VERIFIER, b64, disclose, jws, key, now, public_jwk,
    public_pem, sha256_b64,
};
use serde_json::json;
use sigil_runtime::identity::pid::{
    IssuerTrustList, PidConfig, PidError, PidVerifier, PresentationRequests, RequestBinding,
};
use sigil_runtime::identity::{AuthMethod, TrustLevel};

const NONCE: &str = "n-0S6_WzA2Mj";

struct Rig {
    issuer: SigningKey,
    holder: SigningKey,
    verifier: PidVerifier,
}

impl Rig {
    fn new() -> Self {
        let issuer = key();
        let mut jwk = public_jwk(&issuer);
        jwk["kid"] = json!("issuer-1");
        let mut trust = IssuerTrustList::new();
        trust.add_jwk(&jwk, Some(ISSUER)).unwrap();
        let verifier = PidVerifier::new(PidConfig::new(trust, VERIFIER)).unwrap();
        Self {
            issuer,
            holder: key(),
            verifier,
        }
    }

    /// A valid presentation after `tamper` changed the credential and the key binding.
    fn present(&self, tamper: impl FnOnce(&mut Credential, &mut KeyBinding)) -> String {
        let mut credential = Credential::pid(&self.holder);
        let mut kb = KeyBinding::new(NONCE);
        tamper(&mut credential, &mut kb);
        kb.present(
            &credential.sign(&self.issuer),
            &credential.disclosures,
            &self.holder,
        )
    }

    fn verify(
        &self,
        presentation: &str,
    ) -> Result<sigil_runtime::identity::pid::VerifiedPid, PidError> {
        self.verifier.verify(presentation, NONCE)
    }

    fn refused(&self, presentation: &str) -> PidError {
        self.verify(presentation).expect_err("refused")
    }
}

/// Replaces the `n`th `.`-separated segment of the issuer JWT (the first `~` part).
fn replace_segment(presentation: &str, n: usize, segment: &str) -> String {
    let (jwt, rest) = presentation.split_once('~').unwrap();
    let mut parts: Vec<&str> = jwt.split('.').collect();
    parts[n] = segment;
    format!("{}~{rest}", parts.join("."))
}

#[test]
fn a_valid_pid_gives_the_eidas_principal_at_trust_high() {
    let rig = Rig::new();
    let pid = rig.verify(&rig.present(|_, _| {})).unwrap();
    assert_eq!(
        pid.principal.to_string(),
        format!("eidas:pid:DE:{PERSON_ID}")
    );
    assert_eq!(pid.trust, TrustLevel::High);
    assert_eq!(pid.family_name.as_deref(), Some("Mustermann"));
    assert_eq!(pid.given_name.as_deref(), Some("Erika"));
    assert_eq!(pid.birthdate.as_deref(), Some("1964-08-12"));
    assert_eq!(pid.nationalities, ["DE"]);
    assert_eq!(pid.issuer.as_deref(), Some(ISSUER));
    assert!(!pid.claims.contains_key("_sd") && !pid.claims.contains_key("cnf"));
    let caller = pid.caller();
    assert_eq!(caller.method(), AuthMethod::EidasPid);
    assert_eq!(caller.trust(), TrustLevel::High);
    // Debug shows who, never the person's data.
    let debug = format!("{pid:?}");
    assert!(
        debug.contains(PERSON_ID) && !debug.contains("Mustermann"),
        "{debug}"
    );
}

#[test]
fn undisclosed_attributes_are_simply_absent() {
    let rig = Rig::new();
    // The wallet withholds family name, given name and birth date (the first three).
    let presentation = rig.present(|c, _| {
        c.disclosures.drain(..3);
    });
    let pid = rig.verify(&presentation).unwrap();
    assert_eq!(pid.family_name, None);
    assert_eq!(
        pid.principal.to_string(),
        format!("eidas:pid:DE:{PERSON_ID}")
    );
}

#[test]
fn the_older_vc_sd_jwt_type_and_a_pem_trust_list_are_accepted() {
    let rig = Rig::new();
    let mut trust = IssuerTrustList::new();
    trust.add_pem(&public_pem(&rig.issuer), None, None).unwrap();
    let verifier = PidVerifier::new(PidConfig::new(trust, VERIFIER)).unwrap();
    let presentation = rig.present(|c, _| c.header["typ"] = json!("vc+sd-jwt"));
    assert!(verifier.verify(&presentation, NONCE).is_ok());
}

#[test]
fn the_issuer_must_be_in_the_trust_list() {
    let rig = Rig::new();
    let attacker = key();
    let mut credential = Credential::pid(&rig.holder);
    let kb = KeyBinding::new(NONCE);
    // An attacker key under the trusted kid: the signature does not verify.
    let forged = kb.present(
        &credential.sign(&attacker),
        &credential.disclosures,
        &rig.holder,
    );
    assert_eq!(rig.refused(&forged), PidError::BadIssuerSignature);
    // Under another kid, or from another iss: no trusted key fits.
    credential.header["kid"] = json!("attacker");
    let forged = kb.present(
        &credential.sign(&attacker),
        &credential.disclosures,
        &rig.holder,
    );
    assert_eq!(rig.refused(&forged), PidError::UntrustedIssuer);
    let other_iss = rig.present(|c, _| c.payload["iss"] = json!("https://evil.example"));
    assert_eq!(rig.refused(&other_iss), PidError::UntrustedIssuer);
}

#[test]
fn a_flipped_signature_bit_or_a_changed_payload_is_refused() {
    let rig = Rig::new();
    let valid = rig.present(|_, _| {});
    let jwt = valid.split('~').next().unwrap();
    let signature = jwt.split('.').nth(2).unwrap();
    let mut bytes =
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, signature)
            .unwrap();
    bytes[17] ^= 0x01;
    assert_eq!(
        rig.refused(&replace_segment(&valid, 2, &b64(&bytes))),
        PidError::BadIssuerSignature
    );
    let mut credential = Credential::pid(&rig.holder);
    credential.payload["exp"] = json!(now() + 10 * 365 * 86_400);
    let changed = replace_segment(&valid, 1, &b64(credential.payload.to_string()));
    assert_eq!(rig.refused(&changed), PidError::BadIssuerSignature);
}

#[test]
fn alg_none_and_hmac_are_refused() {
    let rig = Rig::new();
    let credential = Credential::pid(&rig.holder);
    let none_header = b64(json!({"alg": "none", "typ": "dc+sd-jwt"}).to_string());
    let unsigned = format!("{none_header}.{}.", b64(credential.payload.to_string()));
    let presentation =
        KeyBinding::new(NONCE).present(&unsigned, &credential.disclosures, &rig.holder);
    assert_eq!(rig.refused(&presentation), PidError::AlgNotAllowed);
    let hs = rig.present(|c, _| c.header["alg"] = json!("HS256"));
    assert_eq!(rig.refused(&hs), PidError::AlgNotAllowed);
    let kb_none = rig.present(|_, kb| kb.header["alg"] = json!("none"));
    assert_eq!(rig.refused(&kb_none), PidError::AlgNotAllowed);
}

#[test]
fn claims_about_the_credential_itself_are_checked() {
    let rig = Rig::new();
    type Tamper = Box<dyn Fn(&mut Credential)>;
    let cases: [(&str, Tamper, PidError); 7] = [
        (
            "wrong vct",
            Box::new(|c| c.payload["vct"] = json!("urn:eudi:mdl:1")),
            PidError::WrongVct,
        ),
        (
            "expired",
            Box::new(|c| c.payload["exp"] = json!(now() - 120)),
            PidError::Expired,
        ),
        (
            "nbf ahead",
            Box::new(|c| c.payload["nbf"] = json!(now() + 120)),
            PidError::NotYetValid,
        ),
        (
            "typ JWT",
            Box::new(|c| c.header["typ"] = json!("JWT")),
            PidError::WrongType,
        ),
        (
            "sha-512",
            Box::new(|c| c.payload["_sd_alg"] = json!("sha-512")),
            PidError::UnsupportedHashAlg,
        ),
        (
            "no cnf",
            Box::new(|c| {
                c.payload.as_object_mut().unwrap().remove("cnf");
            }),
            PidError::NoHolderKey,
        ),
        (
            "no exp",
            Box::new(|c| {
                c.payload.as_object_mut().unwrap().remove("exp");
            }),
            PidError::MissingClaim("exp"),
        ),
    ];
    for (what, tamper, expected) in cases {
        assert_eq!(
            rig.refused(&rig.present(|c, _| tamper(c))),
            expected,
            "{what}"
        );
    }
    // Within the 60 s skew is fine.
    assert!(
        rig.verify(&rig.present(|c, _| c.payload["exp"] = json!(now() - 30)))
            .is_ok()
    );
}

#[test]
fn disclosures_must_each_be_referenced_exactly_once() {
    let rig = Rig::new();
    let duplicate = rig.present(|c, _| c.disclosures.push(c.disclosures[0].clone()));
    assert_eq!(rig.refused(&duplicate), PidError::DuplicateDisclosure);
    let unreferenced = rig.present(|c, _| c.disclosures.push(disclose("age_over_18", json!(true))));
    assert_eq!(rig.refused(&unreferenced), PidError::UnreferencedDisclosure);
    // Another person's number in a disclosure the wallet recomputed the key binding for.
    let tampered = rig.present(|c, _| {
        c.disclosures[4] = disclose("personal_administrative_number", json!("DE-999"))
    });
    assert_eq!(rig.refused(&tampered), PidError::UnreferencedDisclosure);
    let twice = rig.present(|c, _| {
        let digest = c.payload["_sd"][0].clone();
        c.payload["_sd"].as_array_mut().unwrap().push(digest);
    });
    assert_eq!(rig.refused(&twice), PidError::DuplicateDigest);
    let overriding = rig.present(|c, _| {
        c.payload["family_name"] = json!("Plain");
    });
    assert!(matches!(
        rig.refused(&overriding),
        PidError::BadDisclosure(_)
    ));
    let named_sd = rig.present(|c, _| {
        let d = disclose("_sd", json!(["x"]));
        c.payload["_sd"]
            .as_array_mut()
            .unwrap()
            .push(json!(sha256_b64(&d)));
        c.disclosures.push(d);
    });
    assert!(matches!(rig.refused(&named_sd), PidError::BadDisclosure(_)));
}

#[test]
fn a_disclosure_changed_in_transit_breaks_sd_hash() {
    let rig = Rig::new();
    let valid = rig.present(|_, _| {});
    let parts: Vec<&str> = valid.split('~').collect();
    let swapped = valid.replacen(parts[1], &disclose("family_name", json!("Other")), 1);
    assert_eq!(rig.refused(&swapped), PidError::BadSdHash);
    let dropped = valid.replacen(&format!("{}~", parts[2]), "", 1);
    assert_eq!(rig.refused(&dropped), PidError::BadSdHash);
}

#[test]
fn the_key_binding_must_answer_our_request_now() {
    let rig = Rig::new();
    let other = key();
    type Tamper = Box<dyn Fn(&mut KeyBinding)>;
    let cases: [(&str, Tamper, PidError); 5] = [
        (
            "wrong nonce",
            Box::new(|kb| kb.nonce = "other".into()),
            PidError::WrongNonce,
        ),
        (
            "wrong aud",
            Box::new(|kb| kb.aud = "https://evil.example".into()),
            PidError::WrongAudience,
        ),
        (
            "stale iat",
            Box::new(|kb| kb.iat = now() - 301 - 60),
            PidError::StaleKeyBinding,
        ),
        (
            "future iat",
            Box::new(|kb| kb.iat = now() + 120),
            PidError::StaleKeyBinding,
        ),
        (
            "bad sd_hash",
            Box::new(|kb| kb.sd_hash = Some(sha256_b64("other"))),
            PidError::BadSdHash,
        ),
    ];
    for (what, tamper, expected) in cases {
        assert_eq!(
            rig.refused(&rig.present(|_, kb| tamper(kb))),
            expected,
            "{what}"
        );
    }
    let wrong_typ = rig.present(|_, kb| kb.header["typ"] = json!("JWT"));
    assert_eq!(rig.refused(&wrong_typ), PidError::KeyBindingWrongType);
    // Signed by a key that is not the credential's holder key.
    let credential = Credential::pid(&rig.holder);
    let stolen = KeyBinding::new(NONCE).present(
        &credential.sign(&rig.issuer),
        &credential.disclosures,
        &other,
    );
    assert_eq!(rig.refused(&stolen), PidError::KeyBindingBadSignature);
    // No key binding at all.
    let valid = rig.present(|_, _| {});
    let without = &valid[..=valid.rfind('~').unwrap()];
    assert_eq!(rig.refused(without), PidError::MissingKeyBinding);
    // The freshness window is configurable.
    let mut trust = IssuerTrustList::new();
    trust.add_jwk(&public_jwk(&rig.issuer), None).unwrap();
    let strict = PidVerifier::new(
        PidConfig::new(trust, VERIFIER).with_key_binding_max_age(Duration::from_secs(10)),
    )
    .unwrap();
    let minute_old = rig.present(|_, kb| kb.iat = now() - 90);
    assert_eq!(
        strict.verify(&minute_old, NONCE),
        Err(PidError::StaleKeyBinding)
    );
    assert!(rig.verify(&minute_old).is_ok());
}

#[test]
fn a_nonce_answers_one_request_once() {
    let rig = Rig::new();
    let requests = PresentationRequests::new(Duration::from_secs(300));
    let binding = RequestBinding {
        session: Some("s".into()),
        principal: "anonymous".into(),
    };
    let request = requests.start(binding.clone()).unwrap();
    let presentation = {
        let credential = Credential::pid(&rig.holder);
        KeyBinding::new(&request.nonce).present(
            &credential.sign(&rig.issuer),
            &credential.disclosures,
            &rig.holder,
        )
    };
    let verify = |state: &str| {
        let pending = requests.take(state).ok_or(PidError::WrongNonce)?;
        rig.verifier.verify(&presentation, &pending.nonce)
    };
    assert!(verify(&request.state).is_ok());
    // Replayed under the same state: the request is gone.
    assert_eq!(verify(&request.state).unwrap_err(), PidError::WrongNonce);
    // Replayed under a new request: its nonce is another.
    let fresh = requests.start(binding).unwrap();
    assert_eq!(verify(&fresh.state).unwrap_err(), PidError::WrongNonce);
}

#[test]
fn the_person_identifier_and_country_are_required_and_well_formed() {
    let rig = Rig::new();
    let without_id = rig.present(|c, _| {
        c.disclosures.remove(4);
    });
    assert_eq!(
        rig.refused(&without_id),
        PidError::MissingClaim("person identifier")
    );
    let bad_country =
        rig.present(|c, _| c.disclosures[3] = disclose("issuing_country", json!("Germany")));
    // The digest no longer matches: refused before the claim is even read.
    assert_eq!(rig.refused(&bad_country), PidError::UnreferencedDisclosure);
    let plain_bad_country = rig.present(|c, _| {
        c.disclosures.remove(3);
        c.payload["issuing_country"] = json!("de");
    });
    assert_eq!(
        rig.refused(&plain_bad_country),
        PidError::InvalidClaim("issuing_country")
    );
}

#[test]
fn truncated_presentations_and_garbage_are_refused_never_a_panic() {
    let rig = Rig::new();
    let valid = rig.present(|_, _| {});
    let step = (valid.len() / 300).max(1);
    for end in (0..valid.len()).step_by(step) {
        assert!(
            rig.verify(&valid[..end]).is_err(),
            "prefix of {end} bytes accepted"
        );
    }
    let garbage = [
        String::new(),
        "~".into(),
        "~~~".into(),
        "a.b.c~".into(),
        "a.b.c~~x".into(),
        "@@@.@@@.@@@~x~y.z.w".into(),
        format!("{}~\u{0}~", valid.split('~').next().unwrap()),
        "é~é~é".into(),
        "x".repeat(70_000),
        valid.replace('~', "~~"),
        format!("{valid}~"),
    ];
    for g in &garbage {
        assert!(rig.verify(g).is_err(), "{:?}", &g[..g.len().min(40)]);
    }
    assert_eq!(rig.refused(&"x".repeat(70_000)), PidError::TooLarge);
    // An issuer JWT signed over nonsense JSON types.
    let weird = jws(
        &json!({"alg": "ES256", "typ": "dc+sd-jwt"}),
        &json!({"vct": 7}),
        &rig.issuer,
    );
    let p = KeyBinding::new(NONCE).present(&weird, &[], &rig.holder);
    assert!(rig.verify(&p).is_err());
}

mod any_changed_byte {
    use std::sync::OnceLock;

    use proptest::prelude::*;

    use super::{NONCE, Rig};

    /// One rig and one valid presentation for every case.
    fn fixture() -> &'static (Rig, String) {
        static FIXTURE: OnceLock<(Rig, String)> = OnceLock::new();
        FIXTURE.get_or_init(|| {
            let rig = Rig::new();
            let presentation = rig.present(|_, _| {});
            (rig, presentation)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

        /// Every byte is covered by a signature, a digest or `sd_hash`: changing any one of them
        /// (to any other printable ASCII character) gets the presentation refused, never a panic.
        #[test]
        fn is_refused(pos in any::<prop::sample::Index>(), replacement in 0x21u8..0x7f) {
            let (rig, valid) = fixture();
            let i = pos.index(valid.len());
            prop_assume!(valid.as_bytes()[i] != replacement);
            let mut bytes = valid.clone().into_bytes();
            bytes[i] = replacement;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(rig.verifier.verify(&changed, NONCE).is_err(), "byte {} accepted", i);
        }
    }
}
