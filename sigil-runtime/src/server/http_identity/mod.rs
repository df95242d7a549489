//! The identity gates of the HTTP transport, in front of the MCP endpoint: bearer tokens
//! checked by the resource server (with the RFC 9728 metadata), each session bound to the
//! principal that opened it, and the routes of the PID step-up (`direct_post`).

pub(crate) mod bearer;
pub(crate) mod pid_routes;
pub(crate) mod session_binding;
