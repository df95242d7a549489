//! The static description of one tool, as the macros or the builder declare it.

use crate::basics::DataKind;
use crate::basics::TrustLevel;
use crate::policy::Rate;
use crate::tool::Risk;

/// Explicit MCP annotation hints. `None` means "derive from the risk".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hints {
    /// `readOnlyHint`.
    pub read_only: Option<bool>,
    /// `destructiveHint`.
    pub destructive: Option<bool>,
    /// `idempotentHint`.
    pub idempotent: Option<bool>,
    /// `openWorldHint`.
    pub open_world: Option<bool>,
}

/// Everything declared about a tool except its schemas and handler.
#[derive(Debug, Clone)]
pub struct ToolSpec {
    pub(crate) name: String,
    pub(crate) title: Option<String>,
    pub(crate) description: String,
    pub(crate) risk: Risk,
    pub(crate) confirm: bool,
    pub(crate) trust: Option<TrustLevel>,
    pub(crate) scopes: Vec<String>,
    pub(crate) rate: Option<Rate>,
    pub(crate) reveal: Vec<DataKind>,
    pub(crate) hints: Hints,
    /// Set by a `dangerous_trust` config key: `trust` replaces the risk's floor.
    pub(crate) risk_floor_overridden: bool,
    /// Set by a `dangerous_skip_confirm` config key.
    pub(crate) skip_confirm: bool,
}

impl ToolSpec {
    /// A tool named `name` of the given risk, described by `description`.
    pub fn new(name: impl Into<String>, description: impl Into<String>, risk: Risk) -> Self {
        Self {
            name: name.into(),
            title: None,
            description: description.into(),
            risk,
            confirm: false,
            trust: None,
            scopes: Vec::new(),
            rate: None,
            reveal: Vec::new(),
            hints: Hints::default(),
            risk_floor_overridden: false,
            skip_confirm: false,
        }
    }

    /// A human-readable title.
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Require a human confirmation before every call.
    #[must_use]
    pub fn confirm(mut self) -> Self {
        self.confirm = true;
        self
    }

    /// Require at least this trust level. It can only raise the floor the risk sets.
    #[must_use]
    pub fn trust(mut self, trust: TrustLevel) -> Self {
        self.trust = Some(trust);
        self
    }

    /// Require these OAuth scopes (all of them).
    #[must_use]
    pub fn scopes<I, T>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// A per-principal rate limit.
    #[must_use]
    pub fn rate(mut self, rate: Rate) -> Self {
        self.rate = Some(rate);
        self
    }

    /// Vault kinds this tool may receive in clear when the caller passes their pointers.
    #[must_use]
    pub fn reveal<I: IntoIterator<Item = DataKind>>(mut self, kinds: I) -> Self {
        self.reveal.extend(kinds);
        self
    }

    /// Explicit annotation hints (checked against the risk at registration).
    #[must_use]
    pub fn hints(mut self, hints: Hints) -> Self {
        self.hints = hints;
        self
    }

    /// The tool's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The tool's risk.
    pub fn risk(&self) -> Risk {
        self.risk
    }

    /// The trust level a caller needs: the higher of the risk's floor and the declared trust.
    pub fn required_trust(&self) -> TrustLevel {
        let floor = self.risk.trust_floor();
        match self.trust {
            Some(t) if self.risk_floor_overridden => t,
            Some(t) => t.max(floor),
            None => floor,
        }
    }

    /// Whether every call needs a human confirmation (declared, or implied by `Critical`).
    pub fn needs_confirm(&self) -> bool {
        (self.confirm || self.risk.implies_confirm()) && !self.skip_confirm
    }

    /// The scopes a caller needs.
    pub fn required_scopes(&self) -> &[String] {
        &self.scopes
    }

    /// The kinds this tool may receive in clear.
    pub fn reveals(&self) -> &[DataKind] {
        &self.reveal
    }
}
