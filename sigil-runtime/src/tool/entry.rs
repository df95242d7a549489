//! A tool ready to register: its spec, schemas and handler.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::tool::{GatedCall, ToolError, ToolOutput, ToolSpec};

/// A boxed, sendable future.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

pub(crate) type ErasedHandler =
    Arc<dyn Fn(GatedCall) -> BoxFuture<Result<ToolOutput, ToolError>> + Send + Sync>;

/// A tool with its service bound: spec, input schema, output schema, handler.
pub(crate) type BoundTool = (
    ToolSpec,
    Option<Map<String, Value>>,
    Option<Map<String, Value>>,
    ErasedHandler,
);

type ServiceHandler<S> =
    Arc<dyn Fn(Arc<S>, GatedCall) -> BoxFuture<Result<ToolOutput, ToolError>> + Send + Sync>;

/// One tool of a service `S`: what `#[sigil::server]` generates per `#[sigil::tool]` method.
pub struct ToolEntry<S> {
    pub(crate) spec: ToolSpec,
    pub(crate) input_schema: Option<Map<String, Value>>,
    pub(crate) output_schema: Option<Map<String, Value>>,
    handler: ServiceHandler<S>,
}

impl<S> std::fmt::Debug for ToolEntry<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolEntry")
            .field("spec", &self.spec)
            .finish_non_exhaustive()
    }
}

impl<S: Send + Sync + 'static> ToolEntry<S> {
    /// A tool described by `spec`, run by `handler` with the service and the gated call.
    pub fn new<F, Fut>(spec: ToolSpec, handler: F) -> Self
    where
        F: Fn(Arc<S>, GatedCall) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<ToolOutput, ToolError>> + Send + 'static,
    {
        Self {
            spec,
            input_schema: None,
            output_schema: None,
            handler: Arc::new(move |s, call| Box::pin(handler(s, call))),
        }
    }

    /// Sets the input schema from the first extractor that defines one.
    #[must_use]
    pub fn input_schema_from(mut self, candidates: Vec<Option<Map<String, Value>>>) -> Self {
        self.input_schema = candidates.into_iter().flatten().next();
        self
    }

    /// Sets the output schema.
    #[must_use]
    pub fn output_schema(mut self, schema: Option<Map<String, Value>>) -> Self {
        self.output_schema = schema;
        self
    }

    pub(crate) fn bind(self, service: Arc<S>) -> BoundTool {
        let handler = self.handler;
        let erased: ErasedHandler = Arc::new(move |call| handler(service.clone(), call));
        (self.spec, self.input_schema, self.output_schema, erased)
    }
}

/// A server's name and version as announced to clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerIdentity {
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
}

/// A type whose impl block is marked `#[sigil::server]`: it knows its tools.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a sigil service",
    note = "mark the impl block holding its tools with `#[sigil::server(name = \"...\", version = \"...\")]`"
)]
pub trait SigilService: Send + Sync + Sized + 'static {
    /// The server's name and version.
    fn server_identity() -> ServerIdentity;

    /// Every tool, in declaration order.
    fn tools() -> Vec<ToolEntry<Self>>;
}
