//! Helpers for SIGIL's end-to-end tests: an in-process rmcp client over a duplex pipe, with an
//! elicitation answer chosen by the test.

use rmcp::model::{
    ClientCapabilities, ClientConfig, ElicitRequestParams, ElicitResult, ElicitationAction,
    ElicitationCapability, FormElicitationCapability, Implementation,
};
use rmcp::service::{RequestContext, RunningService};
use rmcp::{ClientHandler, ErrorData, RoleClient, ServiceExt};
use sigil::server::SigilServer;

/// How the test client answers a confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Accept with `approve: true`.
    Approve,
    /// Decline.
    Decline,
    /// Cancel.
    Cancel,
    /// The client does not declare elicitation at all.
    NoElicitation,
}

/// An rmcp client that answers elicitations as told and remembers the last message.
#[derive(Debug, Clone)]
pub struct TestClient {
    answer: Answer,
    asked: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl TestClient {
    /// The messages the server asked the human.
    pub fn asked(&self) -> Vec<String> {
        self.asked.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

impl ClientHandler for TestClient {
    fn get_info(&self) -> ClientConfig {
        let mut caps = ClientCapabilities::default();
        if self.answer != Answer::NoElicitation {
            let mut e = ElicitationCapability::new();
            e.form = Some(FormElicitationCapability::default());
            caps.elicitation = Some(e);
        }
        let mut info = ClientConfig::default();
        info.capabilities = caps;
        info.client_info = Implementation::new("sigil-tests", "0");
        info
    }

    async fn create_elicitation(
        &self,
        request: ElicitRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, ErrorData> {
        if let ElicitRequestParams::FormElicitationParams { message, .. } = &request
            && let Ok(mut v) = self.asked.lock()
        {
            v.push(message.clone());
        }
        Ok(match self.answer {
            Answer::Approve => ElicitResult::new(ElicitationAction::Accept)
                .with_content(serde_json::json!({"approve": true})),
            Answer::Decline => ElicitResult::new(ElicitationAction::Decline),
            Answer::Cancel | Answer::NoElicitation => ElicitResult::new(ElicitationAction::Cancel),
        })
    }
}

/// Serves `server` over an in-process duplex pipe and connects a client answering `answer`.
pub async fn connect(
    server: SigilServer,
    answer: Answer,
) -> (RunningService<RoleClient, TestClient>, TestClient) {
    let (a, b) = tokio::io::duplex(1 << 16);
    tokio::spawn(async move {
        if let Ok(running) = server.serve(a).await {
            let _ = running.waiting().await;
        }
    });
    let client = TestClient {
        answer,
        asked: Default::default(),
    };
    let running = client.clone().serve(b).await.expect("client connects");
    (running, client)
}
