//! The upstream of `sigil proxy`: a command started as a child process over stdio, with only the
//! environment the policy lists, or a server already serving Streamable HTTP on loopback.

use rmcp::ServiceExt;
use rmcp::model::Tool;
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};

use super::proxy::Args;
use super::proxy_policy::Policy;

/// The connected upstream, its tools (every page), and how to name it in messages and pins.
pub(crate) async fn connect(
    args: &Args,
    policy: &Policy,
) -> Result<(RunningService<RoleClient, ()>, Vec<Tool>, String), String> {
    let (upstream, shown) = match args.upstream_url() {
        Some(url) => (over_http(url).await?, url.to_owned()),
        None => child(args, policy).await?,
    };
    let tools = upstream
        .list_all_tools()
        .await
        .map_err(|e| format!("`{shown}` did not list its tools: {e}"))?;
    Ok((upstream, tools, shown))
}

/// The command after `--`, started with the environment the policy lists.
async fn child(
    args: &Args,
    policy: &Policy,
) -> Result<(RunningService<RoleClient, ()>, String), String> {
    let (program, rest) = args
        .upstream_command()
        .split_first()
        .ok_or("no upstream command")?;
    let mut command = tokio::process::Command::new(program);
    command.args(rest).env_clear();
    for name in policy.upstream_env() {
        if let Some(value) = std::env::var_os(name) {
            command.env(name, value);
        }
    }
    let shown = program.to_string_lossy().into_owned();
    let transport =
        TokioChildProcess::new(command).map_err(|e| format!("cannot start `{shown}`: {e}"))?;
    let upstream = ().serve(transport).await.map_err(|e| {
        format!(
            "`{shown}` did not start an MCP session: {e} (it gets only the environment \
             variables that the policy's [upstream] env lists: {:?}; many servers need PATH \
             and HOME)",
            policy.upstream_env()
        )
    })?;
    Ok((upstream, shown))
}

/// A Streamable HTTP server at `url`, which must be on loopback.
async fn over_http(url: &str) -> Result<RunningService<RoleClient, ()>, String> {
    check_loopback(url)?;
    let transport = StreamableHttpClientTransport::from_uri(url);
    ().serve(transport)
        .await
        .map_err(|e| format!("`{url}` did not start an MCP session: {e}"))
}

/// Only `http://` to 127.0.0.1, `[::1]` or localhost, with no user part: anything else would
/// send the checked calls, and the values the vault resolved for them, across a network in
/// clear.
pub(crate) fn check_loopback(url: &str) -> Result<(), String> {
    let refused = || {
        format!(
            "--upstream `{url}`: only http://127.0.0.1, http://[::1] or http://localhost \
             (with a port and path) for now; an upstream elsewhere would get the calls in clear"
        )
    };
    let rest = url.strip_prefix("http://").ok_or_else(refused)?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(refused());
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    let port_ok = match authority.rsplit_once(':') {
        Some((_, port)) if !authority.ends_with(']') => port.parse::<u16>().is_ok(),
        _ => true,
    };
    if matches!(host, "127.0.0.1" | "::1" | "localhost") && port_ok {
        Ok(())
    } else {
        Err(refused())
    }
}

#[cfg(test)]
mod tests {
    use super::check_loopback;

    #[test]
    fn only_loopback_http_is_an_upstream() {
        for ok in [
            "http://127.0.0.1:3001/mcp",
            "http://localhost:8080/mcp",
            "http://[::1]:9000/mcp",
            "http://127.0.0.1/mcp",
        ] {
            assert!(check_loopback(ok).is_ok(), "{ok}");
        }
        for bad in [
            "https://127.0.0.1:3001/mcp",
            "http://example.com/mcp",
            "http://127.0.0.1.example.com/mcp",
            "http://localhost.evil:80/",
            "http://user@127.0.0.1:3001/mcp",
            "http://evil.example@127.0.0.1/mcp",
            "http://127.0.0.1@evil.example/mcp",
            "http://10.0.0.1:3001/mcp",
            "http://127.0.0.1:99999/mcp",
            "http://[::2]:3001/",
            "ftp://127.0.0.1/",
            "127.0.0.1:3001",
        ] {
            assert!(check_loopback(bad).is_err(), "{bad}");
        }
    }
}
