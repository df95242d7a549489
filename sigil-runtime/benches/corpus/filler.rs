//! Realistic filler for tool traffic: prose, source code, log lines and JSON payloads. None of
//! it contains anything a correct scanner reports.

use super::rng::{HEX, LOWER, Rng};

const WORDS: &[&str] = &[
    "the",
    "request",
    "was",
    "processed",
    "by",
    "server",
    "after",
    "a",
    "short",
    "delay",
    "and",
    "returned",
    "results",
    "for",
    "each",
    "file",
    "in",
    "repository",
    "please",
    "review",
    "changes",
    "before",
    "merging",
    "into",
    "main",
    "branch",
    "meeting",
    "notes",
    "quarterly",
    "report",
    "customer",
    "asked",
    "about",
    "invoice",
    "shipping",
    "status",
    "of",
    "order",
    "is",
    "pending",
    "we",
    "will",
    "deploy",
    "tomorrow",
    "morning",
    "café",
    "naïve",
    "über",
    "résumé",
    "Zürich",
    "tests",
    "pass",
    "on",
    "linux",
    "build",
    "cache",
    "warm",
    "latency",
    "improved",
    "significantly",
    "summary",
    "document",
    "contains",
    "three",
    "sections",
    "introduction",
    "method",
    "conclusion",
];

const CODE: &[&str] = &[
    "fn main() {\n    let args: Vec<String> = std::env::args().collect();\n    println!(\"{:?}\", args);\n}",
    "import os\nimport sys\n\ndef load(path):\n    with open(path) as f:\n        return f.read()\n",
    "const express = require('express');\nconst app = express();\napp.get('/', (req, res) => res.send('ok'));",
    "SELECT id, name, created_at FROM users WHERE active = 1 ORDER BY created_at DESC LIMIT 50;",
    "if err != nil {\n\treturn fmt.Errorf(\"open %s: %w\", path, err)\n}",
    "<div class=\"card\"><h2>Title</h2><p>Body text with a <a href=\"https://docs.rs/serde\">link</a>.</p></div>",
    "for (int i = 0; i < n; i++) { sum += values[i] * weights[i]; }",
    "[dependencies]\nserde = { version = \"1\", features = [\"derive\"] }\ntokio = \"1.40\"",
    "C:\\Users\\build\\AppData\\Local\\Temp\\out.log",
    "match value {\n    Some(x) if x > 10 => big(x),\n    Some(x) => small(x),\n    None => default(),\n}",
];

const LEVELS: &[&str] = &["INFO", "DEBUG", "WARN", "ERROR", "TRACE"];
const SERVICES: &[&str] = &["api", "worker", "scheduler", "gateway", "billing", "search"];

pub(crate) fn prose(r: &mut Rng) -> String {
    let n = r.range(8, 40);
    let mut s = String::new();
    for i in 0..n {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(r.pick::<&str>(WORDS));
    }
    s.push_str(r.pick::<&str>(&[". ", ".\n", "?\n", "! ", ".\n\n"]));
    s
}

pub(crate) fn code(r: &mut Rng) -> String {
    format!("{}\n", r.pick(CODE))
}

pub(crate) fn log_line(r: &mut Rng) -> String {
    format!(
        "2026-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z {} {} [{}] handled {} {} in {}ms status={} bytes={}\n",
        r.range(1, 12),
        r.range(1, 28),
        r.below(24),
        r.below(60),
        r.below(60),
        r.below(1000),
        r.pick(LEVELS),
        r.pick(SERVICES),
        r.string(HEX, 8),
        r.pick(&["GET", "POST", "PUT", "DELETE"]),
        r.pick(&[
            "/v1/items",
            "/v1/users/me",
            "/health",
            "/v2/search?q=shoes&page=2",
            "/static/app.js"
        ]),
        r.below(900),
        r.pick(&["200", "201", "204", "400", "404", "500"]),
        r.below(100_000),
    )
}

/// A JSON object as text (already valid JSON), to be embedded as a value.
pub(crate) fn json_payload(r: &mut Rng) -> String {
    let items: Vec<String> = (0..r.range(1, 6))
        .map(|i| {
            format!(
                r#"{{"id":{},"name":"{}","price":{}.{:02},"tags":["{}","{}"],"updated":{},"ok":{}}}"#,
                r.range(1, 999_999),
                r.string(LOWER, r.range(4, 12)),
                r.below(1000),
                r.below(100),
                r.pick(WORDS),
                r.pick(WORDS),
                1_700_000_000_000u64 + r.below(90_000_000_000) as u64,
                i % 2 == 0
            )
        })
        .collect();
    format!(
        r#"{{"total":{},"items":[{}]}}"#,
        items.len(),
        items.join(",")
    )
}
