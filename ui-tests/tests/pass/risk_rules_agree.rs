// The macro's copy of the risk rules agrees with the runtime's: every risk/hint combination the
// macro accepts is one `Risk::contradiction` accepts, and there are exactly as many (the
// refused ones are the compile-fail cases). Also uses every trust level the macro accepts.
// Generated: one tool per accepted combination.
use sigil::Risk;
use sigil::TrustLevel;

struct Rules;

#[sigil::server]
impl Rules {
    /// Combination 0.
    #[sigil::tool(risk = Low)]
    async fn combination_0(&self) {}

    /// Combination 1.
    #[sigil::tool(risk = Low, destructive_hint = false)]
    async fn combination_1(&self) {}

    /// Combination 2.
    #[sigil::tool(risk = Low, read_only_hint = true)]
    async fn combination_2(&self) {}

    /// Combination 3.
    #[sigil::tool(risk = Low, read_only_hint = true, destructive_hint = false)]
    async fn combination_3(&self) {}

    /// Combination 4.
    #[sigil::tool(risk = Medium)]
    async fn combination_4(&self) {}

    /// Combination 5.
    #[sigil::tool(risk = Medium, destructive_hint = false)]
    async fn combination_5(&self) {}

    /// Combination 6.
    #[sigil::tool(risk = Medium, read_only_hint = true)]
    async fn combination_6(&self) {}

    /// Combination 7.
    #[sigil::tool(risk = Medium, read_only_hint = true, destructive_hint = false)]
    async fn combination_7(&self) {}

    /// Combination 8.
    #[sigil::tool(risk = Medium, read_only_hint = false)]
    async fn combination_8(&self) {}

    /// Combination 9.
    #[sigil::tool(risk = Medium, read_only_hint = false, destructive_hint = false)]
    async fn combination_9(&self) {}

    /// Combination 10.
    #[sigil::tool(risk = High)]
    async fn combination_10(&self) {}

    /// Combination 11.
    #[sigil::tool(risk = High, destructive_hint = true)]
    async fn combination_11(&self) {}

    /// Combination 12.
    #[sigil::tool(risk = High, read_only_hint = false)]
    async fn combination_12(&self) {}

    /// Combination 13.
    #[sigil::tool(risk = High, read_only_hint = false, destructive_hint = true)]
    async fn combination_13(&self) {}

    /// Combination 14.
    #[sigil::tool(risk = Critical)]
    async fn combination_14(&self) {}

    /// Combination 15.
    #[sigil::tool(risk = Critical, destructive_hint = true)]
    async fn combination_15(&self) {}

    /// Combination 16.
    #[sigil::tool(risk = Critical, read_only_hint = false)]
    async fn combination_16(&self) {}

    /// Combination 17.
    #[sigil::tool(risk = Critical, read_only_hint = false, destructive_hint = true)]
    async fn combination_17(&self) {}

    /// Trust raised from the floor of `Low`.
    #[sigil::tool(risk = Low, trust = Low)]
    async fn trust_low(&self) {}

    /// Trust raised from the floor of `Low`.
    #[sigil::tool(risk = Low, trust = Medium)]
    async fn trust_medium(&self) {}

    /// Trust raised from the floor of `Medium`.
    #[sigil::tool(risk = Medium, trust = High)]
    async fn trust_high(&self) {}
}

const ACCEPTED: [(Risk, Option<bool>, Option<bool>); 18] = [
    (Risk::Low, None, None),
    (Risk::Low, None, Some(false)),
    (Risk::Low, Some(true), None),
    (Risk::Low, Some(true), Some(false)),
    (Risk::Medium, None, None),
    (Risk::Medium, None, Some(false)),
    (Risk::Medium, Some(true), None),
    (Risk::Medium, Some(true), Some(false)),
    (Risk::Medium, Some(false), None),
    (Risk::Medium, Some(false), Some(false)),
    (Risk::High, None, None),
    (Risk::High, None, Some(true)),
    (Risk::High, Some(false), None),
    (Risk::High, Some(false), Some(true)),
    (Risk::Critical, None, None),
    (Risk::Critical, None, Some(true)),
    (Risk::Critical, Some(false), None),
    (Risk::Critical, Some(false), Some(true)),
];

fn main() {
    let tools = <Rules as sigil::tool::SigilService>::tools();
    assert_eq!(tools.len(), ACCEPTED.len() + 3);
    for (entry, (risk, read_only, destructive)) in tools.iter().zip(ACCEPTED) {
        assert_eq!(risk.contradiction(read_only, destructive), None, "{entry:?}");
        let entry = format!("{entry:?}");
        assert!(entry.contains(&format!("risk: {risk:?}")), "{entry}");
        assert!(
            entry.contains(&format!("read_only: {read_only:?}, destructive: {destructive:?}"))
                || (read_only.is_none() && destructive.is_none()),
            "{entry}"
        );
    }
    let mut runtime_accepts = 0;
    for risk in [Risk::Low, Risk::Medium, Risk::High, Risk::Critical] {
        for read_only in [None, Some(true), Some(false)] {
            for destructive in [None, Some(true), Some(false)] {
                if risk.contradiction(read_only, destructive).is_none() {
                    runtime_accepts += 1;
                }
            }
        }
    }
    assert_eq!(runtime_accepts, ACCEPTED.len());
    for (entry, trust) in tools[ACCEPTED.len()..]
        .iter()
        .zip([TrustLevel::Low, TrustLevel::Medium, TrustLevel::High])
    {
        let entry = format!("{entry:?}");
        assert!(entry.contains(&format!("trust: Some({trust:?})")), "{entry}");
    }
}
