// Without arguments, a server is named after its type in lowercase and versioned like the crate;
// a tool is named after its method, described by its doc comment (lines joined, one leading
// space stripped, surrounding blank lines dropped), and sets only what it was given.
use sigil::prelude::*;

struct MailBox;

#[sigil::server]
impl MailBox {
    ///
    /// Read the latest e-mails.
    ///
    ///   Indented lines keep their extra spaces.
    ///
    #[sigil::tool(risk = Low)]
    async fn read_email(&self, caller: Caller) -> Result<String, ToolError> {
        Ok(caller.principal().to_string())
    }

    /// Delete everything.
    #[sigil::tool(risk = Critical)]
    async fn r#delete_all(&self) {}
}

fn main() {
    let identity = <MailBox as sigil::tool::SigilService>::server_identity();
    assert_eq!(identity.name, "mailbox");
    assert_eq!(identity.version, env!("CARGO_PKG_VERSION"));

    let tools = <MailBox as sigil::tool::SigilService>::tools();
    let read = format!("{:?}", tools[0]);
    assert!(read.contains("name: \"read_email\""), "{read}");
    assert!(
        read.contains(
            "description: \"Read the latest e-mails.\\n\\n  Indented lines keep their extra spaces.\""
        ),
        "{read}"
    );
    assert!(read.contains("title: None"), "{read}");
    assert!(read.contains("confirm: false"), "{read}");
    assert!(read.contains("trust: None"), "{read}");
    assert!(read.contains("rate: None"), "{read}");
    assert!(read.contains("read_only: None, destructive: None"), "{read}");

    let delete = format!("{:?}", tools[1]);
    assert!(delete.contains("name: \"delete_all\""), "{delete}");
    assert!(delete.contains("risk: Critical"), "{delete}");
}
