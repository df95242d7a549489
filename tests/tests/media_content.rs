//! Images and audio pass through the pipeline as they are, in their place among the text
//! blocks, unless their bytes hold a finding: a pointer cannot stand inside an image, so such
//! a block is withheld and a text block says why.

use rmcp::model::{CallToolRequestParams, ContentBlock};
use sigil::server::{Dangerous, SigilServer, ToolDef};
use sigil::tool::ToolSpec;
use sigil::{Caller, Risk, ToolOutput, TrustLevel};
use sigil_tests::{Answer, connect};

/// A 1x1 PNG.
const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

#[tokio::test]
async fn media_pass_in_place_and_a_secret_hidden_as_an_image_is_withheld() {
    // base64 of "aws_access_key_id = AKIAZ3MHQX7RTB4LWKPN\n": text, labelled as an image.
    let smuggled = "YXdzX2FjY2Vzc19rZXlfaWQgPSBBS0lBWjNNSFFYN1JUQjRMV0tQTgo=".to_owned();
    let dir = tempfile::tempdir().unwrap();
    let server = SigilServer::builder("media", "1.0")
        .default_caller(Caller::local("ann", TrustLevel::Low))
        .tool(
            ToolDef::new(ToolSpec::new("pictures", "Pictures.", Risk::Low)),
            move |_call| {
                let smuggled = smuggled.clone();
                async move {
                    Ok(ToolOutput::text("first")
                        .and_image(PNG, "image/png")
                        .and_text("second")
                        .and_image(smuggled, "image/png")
                        .and_audio(PNG, "audio/wav"))
                }
            },
        )
        .data_dir(dir.path())
        .dangerous(Dangerous::MemoryAudit)
        .build()
        .expect("builds");
    let (client, _) = connect(server, Answer::Approve).await;
    let r = client
        .call_tool(CallToolRequestParams::new("pictures"))
        .await
        .unwrap();
    let kinds: Vec<String> = r
        .content
        .iter()
        .map(|c| match c {
            ContentBlock::Text(t) => format!("text:{}", t.text),
            ContentBlock::Image(i) => format!("image:{}:{}", i.mime_type, i.data == PNG),
            ContentBlock::Audio(a) => format!("audio:{}", a.mime_type),
            _ => "other".into(),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "text:first",
            "image:image/png:true",
            "text:second",
            "text:[SIGIL: an image withheld: it held CLOUD_KEY]",
            "audio:audio/wav"
        ]
    );
    client.cancel().await.unwrap();
}
