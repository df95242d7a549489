// Every supported return type.
use sigil::prelude::*;
use sigil::ToolOutput;

#[derive(Serialize, JsonSchema)]
struct Receipt {
    id: u64,
}

struct Outputs;

#[sigil::server]
impl Outputs {
    /// `Json<T>`.
    #[sigil::tool(risk = Low)]
    async fn json(&self) -> Json<Receipt> {
        Json(Receipt { id: 1 })
    }

    /// `Result<Json<T>, ToolError>`.
    #[sigil::tool(risk = Low)]
    async fn json_result(&self) -> Result<Json<Receipt>, ToolError> {
        Ok(Json(Receipt { id: 2 }))
    }

    /// `String`, from a public method.
    #[sigil::tool(risk = Low)]
    pub async fn string(&self) -> String {
        String::from("text")
    }

    /// `Result<String, ToolError>`.
    #[sigil::tool(risk = Low)]
    async fn string_result(&self) -> Result<String, ToolError> {
        Err(ToolError::new("nope"))
    }

    /// An error type that converts into `ToolError`.
    #[sigil::tool(risk = Low)]
    async fn string_error(&self) -> Result<String, String> {
        Err(String::from("nope"))
    }

    /// `&'static str`.
    #[sigil::tool(risk = Low)]
    async fn static_str(&self) -> &'static str {
        "static"
    }

    /// `()`, written out.
    #[sigil::tool(risk = Medium)]
    async fn unit(&self) -> () {}

    /// Nothing written: also `()`.
    #[sigil::tool(risk = Medium)]
    async fn nothing(&self) {}

    /// `Result<(), ToolError>`.
    #[sigil::tool(risk = Medium)]
    async fn unit_result(&self) -> Result<(), ToolError> {
        Ok(())
    }

    /// `ToolOutput` built by hand.
    #[sigil::tool(risk = Low)]
    async fn raw(&self) -> ToolOutput {
        ToolOutput::text("raw")
    }
}

fn main() {
    assert_eq!(<Outputs as sigil::tool::SigilService>::tools().len(), 10);
}
