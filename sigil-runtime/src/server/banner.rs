//! What a server says when it starts, on stderr: what is served and over which transport, who
//! the caller is and at which trust, which tools it sees and which are hidden (and why), what
//! scanning does, where the audit log is, and how to connect a client. Nothing in it is secret:
//! names, trust levels, paths; never a token or a key.

use std::fmt::Write as _;

use crate::policy::{self, Denied};
use crate::server::SigilServer;

/// Which transport a banner describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Served<'a> {
    /// One session over stdin and stdout.
    Stdio,
    /// Streamable HTTP at this URL.
    Http(&'a str),
}

impl SigilServer {
    /// The start-up banner for `served` (see the module docs). [`serve_stdio`](Self::serve_stdio),
    /// [`serve_http_on`](Self::serve_http_on) and `serve_https_on` print it to stderr unless the
    /// server was built with [`quiet`](crate::server::SigilServerBuilder::quiet).
    pub fn banner(&self, served: Served<'_>) -> String {
        let p = &self.pipeline;
        let mut out = String::new();
        let over = match served {
            Served::Stdio => "stdio".to_owned(),
            Served::Http(url) => format!("Streamable HTTP at {url}"),
        };
        let _ = writeln!(
            out,
            "{} {}: SIGIL-secured MCP server on {over}",
            p.identity.name, p.identity.version
        );
        let caller = match served {
            Served::Stdio => p.identity_source.unverified_caller(),
            // Over HTTP each request's caller is whoever its credentials say.
            Served::Http(_) if self.oidc.is_some() => None,
            Served::Http(_) => p.identity_source.unverified_caller(),
        };
        let mut visible = Vec::new();
        let mut hidden = Vec::new();
        for tool in &p.tools {
            let spec = &tool.spec;
            let confirm = if spec.needs_confirm() {
                ", confirm"
            } else {
                ""
            };
            let Some(caller) = &caller else {
                visible.push(format!(
                    "{} (trust {}{confirm})",
                    spec.name(),
                    spec.required_trust()
                ));
                continue;
            };
            let confirm = if spec.needs_confirm() {
                " (confirm)"
            } else {
                ""
            };
            match policy::authorize(
                spec.required_trust(),
                spec.required_scopes(),
                caller.trust(),
                |s| caller.has_scope(s),
            ) {
                Ok(()) => visible.push(format!("{}{confirm}", spec.name())),
                Err(Denied::TrustTooLow { required, .. }) => {
                    hidden.push(format!("{} (needs trust {required})", spec.name()));
                }
                Err(Denied::InsufficientScope(scopes)) => {
                    hidden.push(format!(
                        "{} (needs scopes {})",
                        spec.name(),
                        scopes.join(" ")
                    ));
                }
            }
        }
        match &caller {
            Some(c) => {
                let _ = writeln!(out, "  caller:   {}, trust {}", c.principal(), c.trust());
                let _ = writeln!(out, "  tools:    {}", list_or_none(&visible));
                if !hidden.is_empty() {
                    let _ = writeln!(out, "  hidden:   {}", hidden.join(", "));
                }
            }
            None => {
                let _ = writeln!(
                    out,
                    "  caller:   whoever each request's credentials say (bearer token or client certificate)"
                );
                let _ = writeln!(out, "  tools:    {}", list_or_none(&visible));
            }
        }
        let _ = writeln!(out, "  scanning: {}", p.guard.describe());
        let _ = writeln!(out, "  audit:    {}", p.audit.describe());
        let _ = writeln!(out, "  state:    {}", p.state);
        let connect = match served {
            Served::Stdio => "waiting for an MCP client on stdin; give a client this command \
                              (Claude Desktop `mcpServers`, VS Code `mcp.json`, or \
                              `npx @modelcontextprotocol/inspector <command>` with Node 22)"
                .to_owned(),
            Served::Http(url) => format!("point an MCP client at {url}"),
        };
        let _ = write!(out, "  connect:  {connect}");
        out
    }
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}
