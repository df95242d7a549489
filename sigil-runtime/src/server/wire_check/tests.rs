//! The wire check on every case of issue #14, and on messages that must pass.

use serde_json::{Value, json};

use super::*;

const INIT_PARAMS: &str =
    r#"{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}"#;

fn refused(bytes: impl AsRef<[u8]>) -> Refused {
    match check(bytes.as_ref()) {
        Err(r) => r,
        Ok(p) => panic!("passed: {p:?}"),
    }
}

/// The answer to `bytes`, parsed back.
fn answer(bytes: impl AsRef<[u8]>) -> Value {
    serde_json::from_slice(&refused(bytes).response()).unwrap()
}

fn request(method: &str, params: &str) -> String {
    format!(r#"{{"jsonrpc":"2.0","id":7,"method":"{method}","params":{params}}}"#)
}

#[test]
fn valid_requests_notifications_and_responses_pass() {
    assert_eq!(
        check(request("initialize", INIT_PARAMS).as_bytes()),
        Ok(Passed::Request {
            initialize: true,
            id: json!(7)
        })
    );
    for ok in [
        request(
            "tools/call",
            r#"{"name":"pay","arguments":{"to":"a","amount":5}}"#,
        ),
        request("tools/call", r#"{"name":"pay"}"#),
        request("tools/list", "{}"),
        request("tools/list", r#"{"cursor":"abc"}"#),
        r#"{"jsonrpc":"2.0","id":"x","method":"tools/list"}"#.to_owned(),
        r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#.to_owned(),
        // A method SIGIL does not serve is rmcp's to answer (-32601).
        request("prompts/get", r#"{"name":5}"#),
    ] {
        assert!(
            matches!(
                check(ok.as_bytes()),
                Ok(Passed::Request {
                    initialize: false,
                    ..
                })
            ),
            "{ok}"
        );
    }
    assert_eq!(
        check(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#),
        Ok(Passed::Notification)
    );
    assert_eq!(
        check(br#"{"jsonrpc":"2.0","id":0,"result":{"action":"accept"}}"#),
        Ok(Passed::Response)
    );
    assert_eq!(
        check(br#"{"jsonrpc":"2.0","id":0,"error":{"code":-1,"message":"no"}}"#),
        Ok(Passed::Response)
    );
    // A byte order mark is allowed, as rmcp allows it.
    assert!(check(b"\xEF\xBB\xBF{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}").is_ok());
}

#[test]
fn invalid_json_is_a_parse_error_with_a_null_id_and_its_position() {
    let a = answer(r#"{"jsonrpc":"2.0","id":3,"method":"tools/list""#);
    assert_eq!(a["error"]["code"], -32700);
    assert_eq!(a["id"], Value::Null);
    assert_eq!(a["jsonrpc"], "2.0");
    assert_eq!(a["error"]["data"]["reason"], "invalid_json");
    assert!(matches!(
        refused("{\n\"a\": nope}").fault,
        Fault::Syntax { line: 2, .. }
    ));
    for junk in ["", "   ", "hello", "{} {}", "{\"a\":1,}"] {
        assert_eq!(refused(junk).fault.code(), Code::Parse, "{junk:?}");
    }
}

#[test]
fn invalid_utf8_is_a_parse_error_that_says_at_which_byte() {
    let r = refused(b"{\"jsonrpc\":\"2.0\",\"method\":\"\xff\"}");
    assert_eq!(r.fault, Fault::InvalidUtf8 { at: 27 });
    let a: Value = serde_json::from_slice(&r.response()).unwrap();
    assert_eq!(a["error"]["code"], -32700);
    assert_eq!(a["id"], Value::Null);
    // A lone surrogate escape is no character either.
    assert_eq!(refused(br#"{"a":"\ud800"}"#).fault.code(), Code::Parse);
}

#[test]
fn ten_thousand_nested_arrays_are_a_parse_error() {
    let deep = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"x","arguments":{{"a":{}{}}}}}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let r = refused(&deep);
    assert!(matches!(r.fault, Fault::TooDeep { .. }), "{:?}", r.fault);
    let a: Value = serde_json::from_slice(&r.response()).unwrap();
    assert_eq!(a["error"]["code"], -32700);
    assert_eq!(a["id"], Value::Null);
    assert_eq!(a["error"]["data"]["reason"], "too_deep");
}

#[test]
fn ill_typed_tools_call_params_are_invalid_params_with_the_request_id() {
    for params in [
        "{}",
        r#"{"name":5}"#,
        r#"{"name":"pay","arguments":"to=a"}"#,
        r#"{"name":"pay","arguments":["a",5]}"#,
        "[1]",
        r#""pay""#,
    ] {
        let a = answer(request("tools/call", params));
        assert_eq!(a["error"]["code"], -32602, "{params}");
        assert_eq!(a["id"], 7, "{params}");
        assert_eq!(a["error"]["data"]["reason"], "invalid_params", "{params}");
    }
    let a = answer(r#"{"jsonrpc":"2.0","id":7,"method":"tools/call"}"#);
    assert_eq!(a["error"]["code"], -32602);
}

#[test]
fn initialize_without_params_and_a_non_string_cursor_are_invalid_params() {
    for bad in [
        r#"{"jsonrpc":"2.0","id":7,"method":"initialize"}"#.to_owned(),
        request("initialize", "{}"),
        request(
            "initialize",
            r#"{"protocolVersion":5,"capabilities":{},"clientInfo":{}}"#,
        ),
        request("tools/list", r#"{"cursor":5}"#),
    ] {
        let a = answer(&bad);
        assert_eq!(a["error"]["code"], -32602, "{bad}");
        assert_eq!(a["id"], 7, "{bad}");
    }
}

#[test]
fn a_duplicate_key_in_the_envelope_is_an_invalid_request_with_a_null_id() {
    for dup in [
        r#"{"jsonrpc":"2.0","id":1,"id":2,"method":"tools/list"}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","method":"tools/call"}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{},"params":{}}"#,
    ] {
        let a = answer(dup);
        assert_eq!(a["error"]["code"], -32600, "{dup}");
        assert_eq!(a["id"], Value::Null, "{dup}");
        assert_eq!(a["error"]["data"]["reason"], "duplicate_key", "{dup}");
    }
}

#[test]
fn duplicate_or_case_colliding_argument_keys_are_invalid_params() {
    for bad in [
        r#"{"name":"pay","name":"read","arguments":{}}"#,
        r#"{"name":"pay","arguments":{"to":"alice","to":"mallory"}}"#,
        r#"{"name":"pay","arguments":{"memo":{"k":1,"k":2}}}"#,
        r#"{"name":"pay","arguments":{"amount":1,"Amount":1000}}"#,
        r#"{"name":"pay","arguments":{"list":[{"to":"a","TO":"b"}]}}"#,
        r#"{"name":"pay","arguments":{"straße":1,"STRAßE":2}}"#,
    ] {
        let a = answer(request("tools/call", bad));
        assert_eq!(a["error"]["code"], -32602, "{bad}");
        assert_eq!(a["id"], 7, "{bad}");
    }
    assert_eq!(
        refused(request(
            "tools/call",
            r#"{"name":"p","arguments":{"a":1,"A":2}}"#
        ))
        .fault,
        Fault::CaseCollidingKeys
    );
    // Case matters only inside arguments; distinct keys pass.
    assert!(
        check(request("tools/call", r#"{"name":"p","arguments":{"a":1,"ab":2}}"#).as_bytes())
            .is_ok()
    );
}

#[test]
fn a_batch_is_an_invalid_request() {
    for batch in [r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#, "[]"] {
        let a = answer(batch);
        assert_eq!(a["error"]["code"], -32600, "{batch}");
        assert_eq!(a["id"], Value::Null);
        assert_eq!(a["error"]["data"]["reason"], "batch_unsupported");
    }
}

#[test]
fn broken_envelopes_are_invalid_requests() {
    for bad in [
        "5",
        r#""ping""#,
        r#"{"id":1,"method":"ping"}"#,
        r#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#,
        r#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#,
        r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#,
        r#"{"jsonrpc":"2.0","id":{},"method":"ping"}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":5}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":"ping","result":{}}"#,
        r#"{"jsonrpc":"2.0","id":1}"#,
        r#"{"jsonrpc":"2.0","id":1,"result":{},"error":{}}"#,
        r#"{"jsonrpc":"2.0"}"#,
    ] {
        let a = answer(bad);
        assert_eq!(a["error"]["code"], -32600, "{bad}");
        assert_eq!(a["id"], Value::Null, "{bad}");
    }
}

#[test]
fn a_refused_notification_is_not_answered_but_still_refused() {
    let r =
        refused(r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"a":1,"a":2}}"#);
    assert!(r.notification);
    assert_eq!(r.fault.code(), Code::InvalidParams);
    // An envelope that cannot be trusted is answered: it may not be a notification at all.
    assert!(!refused(r#"{"jsonrpc":"2.0","method":"x","method":"y"}"#).notification);
}

#[test]
fn a_late_initialize_is_an_invalid_request_with_its_id() {
    let a: Value =
        serde_json::from_slice(&Refused::already_initialized(json!("i-2"), 10).response()).unwrap();
    assert_eq!(a["error"]["code"], -32600);
    assert_eq!(a["id"], "i-2");
    assert_eq!(a["error"]["data"]["reason"], "already_initialized");
}

#[test]
fn neither_the_answer_nor_the_audit_reason_repeats_the_payload() {
    let secret = "sk-live-4242424242";
    for bad in [
        format!(
            r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"{secret}","arguments":"{secret}"}}}}"#
        ),
        format!(
            r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"p","arguments":{{"{secret}":1,"{secret}":2}}}}}}"#
        ),
        format!(r#"{{"jsonrpc":"2.0","id":1,"method":"{secret}""#),
    ] {
        let r = refused(&bad);
        let reason = r.audit_reason();
        assert!(!reason.contains(secret), "{reason}");
        assert!(reason.contains(&format!("{} bytes", bad.len())), "{reason}");
        assert!(!String::from_utf8(r.response()).unwrap().contains(secret));
    }
}
