//! Where the metadata lives (RFC 9728 §3.1): the well-known prefix inserted between the host and
//! the resource's path.

/// The well-known path segment of protected resource metadata.
pub const WELL_KNOWN_PREFIX: &str = "/.well-known/oauth-protected-resource";

/// Splits `scheme://authority/path` into (`scheme://authority`, `/path` without trailing `/`).
fn split(resource: &str) -> Option<(&str, &str)> {
    let scheme_end = resource.find("://")?;
    let scheme = &resource[..scheme_end];
    if !(scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http")) {
        return None;
    }
    if resource.contains(['?', '#']) {
        return None;
    }
    let after = scheme_end + 3;
    let path_start = resource[after..]
        .find('/')
        .map_or(resource.len(), |i| after + i);
    if path_start == after {
        return None;
    }
    let path = resource[path_start..].trim_end_matches('/');
    Some((&resource[..path_start], path))
}

/// The path of the metadata for `resource`: `https://h/mcp` gives
/// `/.well-known/oauth-protected-resource/mcp`; `https://h` or `https://h/` gives the bare prefix.
/// `None` for a resource that is not an absolute http(s) URI without query or fragment.
pub fn metadata_path(resource: &str) -> Option<String> {
    let (_, path) = split(resource)?;
    Some(format!("{WELL_KNOWN_PREFIX}{path}"))
}

/// The absolute metadata URL for `resource` (the `resource_metadata` challenge parameter).
pub fn metadata_url(resource: &str) -> Option<String> {
    let (origin, path) = split(resource)?;
    Some(format!("{origin}{WELL_KNOWN_PREFIX}{path}"))
}

/// The routes to serve the document on: the path-suffixed form and, when it differs, the bare
/// prefix (which clients of the first MCP authorization drafts try).
pub fn metadata_paths(resource: &str) -> Option<Vec<String>> {
    let suffixed = metadata_path(resource)?;
    let mut paths = vec![suffixed];
    if paths[0] != WELL_KNOWN_PREFIX {
        paths.push(WELL_KNOWN_PREFIX.to_owned());
    }
    Some(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_is_inserted_after_the_host() {
        assert_eq!(
            metadata_url("https://mcp.example.eu/mcp").as_deref(),
            Some("https://mcp.example.eu/.well-known/oauth-protected-resource/mcp")
        );
        assert_eq!(
            metadata_url("http://127.0.0.1:8080/tenant/a/mcp/").as_deref(),
            Some("http://127.0.0.1:8080/.well-known/oauth-protected-resource/tenant/a/mcp")
        );
        assert_eq!(
            metadata_path("https://h").as_deref(),
            Some(WELL_KNOWN_PREFIX)
        );
        assert_eq!(
            metadata_path("https://h/").as_deref(),
            Some(WELL_KNOWN_PREFIX)
        );
    }

    #[test]
    fn both_routes_are_listed_once() {
        assert_eq!(
            metadata_paths("https://h/mcp").unwrap(),
            [
                format!("{WELL_KNOWN_PREFIX}/mcp"),
                WELL_KNOWN_PREFIX.to_owned()
            ]
        );
        assert_eq!(metadata_paths("https://h").unwrap(), [WELL_KNOWN_PREFIX]);
    }

    #[test]
    fn non_uris_are_refused() {
        for bad in [
            "mcp",
            "/mcp",
            "urn:x:y",
            "https:///mcp",
            "https://h/mcp?x=1",
            "ftp://h/x",
            "https://h#f",
        ] {
            assert_eq!(metadata_url(bad), None, "{bad}");
        }
    }
}
