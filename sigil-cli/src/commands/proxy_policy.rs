//! `sigil proxy`'s policy file (TOML): which upstream tools are visible, and with which risk,
//! trust, confirmation, revealed kinds and rate; and which variables of the proxy's own
//! environment the upstream process gets.
//!
//! ```toml
//! [upstream]
//! env = ["PATH", "HOME"]       # nothing else of the proxy's environment passes
//! [defaults]
//! risk = "medium"              # a tool that no [[tool]] entry names
//! unknown_tools = "allow"      # or "deny": only listed tools are visible
//! [[tool]]
//! name = "write_*"             # upstream name; `*` matches any run of characters
//! risk = "high"
//! confirm = true
//! ```
//!
//! The first `[[tool]]` entry whose name matches decides. Upstream annotations are untrusted
//! hints: `destructiveHint: true` raises a tool to at least High risk, with confirmation, and
//! nothing from the upstream lowers what the policy says. Unknown keys are refused.

use rmcp::model::Tool;
use serde::Deserialize;
use sigil_runtime::basics::DataKind;
use sigil_runtime::identity::TrustLevel;
use sigil_runtime::policy::Rate;
use sigil_runtime::tool::{Risk, ToolSpec};

/// A parsed policy file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Policy {
    #[serde(default)]
    upstream: Upstream,
    #[serde(default)]
    defaults: Defaults,
    #[serde(default, rename = "tool")]
    tools: Vec<ToolRule>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Upstream {
    /// Names of the proxy's environment variables the upstream process gets.
    #[serde(default)]
    env: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Defaults {
    #[serde(default = "medium")]
    risk: String,
    #[serde(default = "allow")]
    unknown_tools: String,
}

impl Default for Defaults {
    fn default() -> Self {
        Self {
            risk: medium(),
            unknown_tools: allow(),
        }
    }
}

fn medium() -> String {
    "medium".into()
}

fn allow() -> String {
    "allow".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ToolRule {
    name: String,
    risk: Option<String>,
    confirm: Option<bool>,
    #[serde(default)]
    hidden: bool,
    trust: Option<String>,
    #[serde(default)]
    reveal: Vec<String>,
    rate: Option<String>,
}

/// What the policy makes of one upstream tool.
#[derive(Debug)]
pub(crate) enum Decision {
    /// Listed and callable with this spec.
    Visible(ToolSpec),
    /// Neither listed nor callable.
    Hidden,
}

impl Policy {
    /// Parses a policy file's text; every value is checked here, so that a bad entry is an
    /// error at start, not a surprise at the first call.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let policy: Policy = toml::from_str(text).map_err(|e| e.to_string())?;
        parse_risk(&policy.defaults.risk).map_err(|e| format!("[defaults] risk: {e}"))?;
        match policy.defaults.unknown_tools.as_str() {
            "allow" | "deny" => {}
            other => {
                return Err(format!(
                    "[defaults] unknown_tools: `{other}` is not `allow` or `deny`"
                ));
            }
        }
        for (i, rule) in policy.tools.iter().enumerate() {
            let at = |e: String| format!("[[tool]] #{} (`{}`): {e}", i + 1, rule.name);
            if rule.name.is_empty() {
                return Err(at("name is empty".into()));
            }
            if let Some(r) = &rule.risk {
                parse_risk(r).map_err(at)?;
            }
            if let Some(t) = &rule.trust {
                parse_trust(t).map_err(at)?;
            }
            for k in &rule.reveal {
                parse_kind(k).map_err(at)?;
            }
            if let Some(r) = &rule.rate {
                Rate::parse(r).map_err(|e| at(e.to_string()))?;
            }
        }
        Ok(policy)
    }

    /// The names of the environment variables the upstream gets.
    pub(crate) fn upstream_env(&self) -> &[String] {
        &self.upstream.env
    }

    /// What `tool` (as the upstream describes it) becomes downstream.
    pub(crate) fn decide(&self, tool: &Tool) -> Decision {
        let rule = self.tools.iter().find(|r| glob_match(&r.name, &tool.name));
        let Some(rule) = rule else {
            if self.defaults.unknown_tools == "deny" {
                return Decision::Hidden;
            }
            let risk = parse_risk(&self.defaults.risk).unwrap_or(Risk::High);
            return Decision::Visible(spec(tool, risk, false));
        };
        if rule.hidden {
            return Decision::Hidden;
        }
        let risk = rule
            .risk
            .as_deref()
            .or(Some(&self.defaults.risk))
            .and_then(|r| parse_risk(r).ok())
            .unwrap_or(Risk::High);
        let mut spec = spec(tool, risk, rule.confirm.unwrap_or(false));
        if let Some(t) = rule.trust.as_deref().and_then(|t| parse_trust(t).ok()) {
            spec = spec.trust(t);
        }
        let kinds: Vec<DataKind> = rule
            .reveal
            .iter()
            .filter_map(|k| parse_kind(k).ok())
            .collect();
        if !kinds.is_empty() {
            spec = spec.reveal(kinds);
        }
        if let Some(rate) = rule.rate.as_deref().and_then(|r| Rate::parse(r).ok()) {
            spec = spec.rate(rate);
        }
        Decision::Visible(spec)
    }
}

/// The spec of `tool` at `risk`, raised by its destructive hint (never lowered by any hint).
fn spec(tool: &Tool, risk: Risk, confirm: bool) -> ToolSpec {
    let destructive = tool
        .annotations
        .as_ref()
        .and_then(|a| a.destructive_hint)
        .unwrap_or(false);
    let risk = if destructive {
        risk.max(Risk::High)
    } else {
        risk
    };
    let description = tool.description.as_deref().unwrap_or_default();
    let mut spec = ToolSpec::new(tool.name.to_string(), description, risk);
    if let Some(title) = &tool.title {
        spec = spec.title(title.clone());
    }
    if confirm || destructive {
        spec = spec.confirm();
    }
    spec
}

fn parse_risk(s: &str) -> Result<Risk, String> {
    match s.to_ascii_lowercase().as_str() {
        "low" => Ok(Risk::Low),
        "medium" => Ok(Risk::Medium),
        "high" => Ok(Risk::High),
        "critical" => Ok(Risk::Critical),
        _ => Err(format!(
            "risk `{s}` is not one of low, medium, high, critical"
        )),
    }
}

fn parse_trust(s: &str) -> Result<TrustLevel, String> {
    TrustLevel::parse(&s.to_ascii_lowercase())
        .ok_or_else(|| format!("trust `{s}` is not one of low, medium, high"))
}

fn parse_kind(s: &str) -> Result<DataKind, String> {
    DataKind::ALL
        .into_iter()
        .find(|k| k.name().eq_ignore_ascii_case(s) || k.tag().eq_ignore_ascii_case(s))
        .ok_or_else(|| format!("reveal: `{s}` is not a data kind"))
}

/// Whether `name` matches `pattern`, where `*` stands for any run of characters.
fn glob_match(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tool(name: &str, destructive: Option<bool>) -> Tool {
        let mut t: Tool = serde_json::from_value(serde_json::json!({
            "name": name,
            "description": "d",
            "inputSchema": {"type": "object"}
        }))
        .unwrap();
        if let Some(d) = destructive {
            t.annotations =
                Some(serde_json::from_value(serde_json::json!({"destructiveHint": d})).unwrap());
        }
        t
    }

    fn visible(p: &Policy, t: &Tool) -> ToolSpec {
        match p.decide(t) {
            Decision::Visible(s) => s,
            Decision::Hidden => panic!("{} hidden", t.name),
        }
    }

    #[test]
    fn globs_match_whole_names() {
        assert!(glob_match("delete_*", "delete_file"));
        assert!(glob_match("*", "anything"));
        assert!(glob_match("get-env", "get-env"));
        assert!(!glob_match("get-env", "get-env2"));
        assert!(!glob_match("delete_*", "undelete_file"));
        assert!(glob_match("a*b*c", "aXXbYYc"));
        assert!(!glob_match("a*b*c", "aXXcYYb"));
        assert!(!glob_match("ab*ba", "aba"), "the two ends may not overlap");
    }

    #[test]
    fn the_first_matching_entry_decides_and_hidden_tools_are_gone() {
        let p = Policy::parse(
            r#"
            [[tool]]
            name = "get-env"
            hidden = true
            [[tool]]
            name = "get-*"
            risk = "low"
            [[tool]]
            name = "write_*"
            risk = "high"
            confirm = true
            trust = "high"
            reveal = ["iban"]
            rate = "10/min"
            "#,
        )
        .unwrap();
        assert!(matches!(p.decide(&tool("get-env", None)), Decision::Hidden));
        assert_eq!(visible(&p, &tool("get-sum", None)).risk(), Risk::Low);
        let w = visible(&p, &tool("write_file", None));
        assert_eq!(w.risk(), Risk::High);
        assert!(w.needs_confirm());
        assert_eq!(w.required_trust(), TrustLevel::High);
        assert_eq!(w.reveals(), &[DataKind::Iban]);
        // Not named: the default risk.
        assert_eq!(visible(&p, &tool("echo", None)).risk(), Risk::Medium);
    }

    #[test]
    fn a_destructive_hint_raises_and_nothing_from_the_upstream_lowers() {
        let p = Policy::parse("[[tool]]\nname = \"rm\"\nrisk = \"low\"\n").unwrap();
        let rm = visible(&p, &tool("rm", Some(true)));
        assert_eq!(rm.risk(), Risk::High);
        assert!(rm.needs_confirm());
        // `destructiveHint: false` says nothing: the policy's risk stays.
        let p = Policy::parse("[[tool]]\nname = \"rm\"\nrisk = \"critical\"\n").unwrap();
        assert_eq!(visible(&p, &tool("rm", Some(false))).risk(), Risk::Critical);
    }

    #[test]
    fn unknown_tools_deny_shows_only_listed_ones() {
        let p = Policy::parse(
            "[defaults]\nunknown_tools = \"deny\"\n[[tool]]\nname = \"echo\"\nrisk = \"low\"\n",
        )
        .unwrap();
        assert!(matches!(p.decide(&tool("get-env", None)), Decision::Hidden));
        assert_eq!(visible(&p, &tool("echo", None)).risk(), Risk::Low);
    }

    #[test]
    fn bad_policies_are_refused_with_what_is_wrong() {
        for (text, says) in [
            (
                "[defaults]\nrisk = \"huge\"\n",
                "[defaults] risk: risk `huge`",
            ),
            ("[defaults]\nunknown_tools = \"maybe\"\n", "unknown_tools"),
            ("[[tool]]\nname = \"x\"\nrisk = \"none\"\n", "#1 (`x`)"),
            (
                "[[tool]]\nname = \"x\"\ntrust = \"total\"\n",
                "trust `total`",
            ),
            (
                "[[tool]]\nname = \"x\"\nreveal = [\"pin\"]\n",
                "`pin` is not a data kind",
            ),
            ("[[tool]]\nname = \"x\"\nrate = \"often\"\n", "#1"),
            ("[[tool]]\nname = \"\"\n", "name is empty"),
            ("[[tool]]\nname = \"x\"\nhiden = true\n", "unknown field"),
            ("[upstream]\nenvironment = []\n", "unknown field"),
            ("[[tool]]\nname = \"x\"\nname = \"y\"\n", "duplicate"),
        ] {
            let err = Policy::parse(text).expect_err(text);
            assert!(err.contains(says), "{text:?}: {err}");
        }
    }
}
