// Every rate spelling the macro accepts is one the runtime's `Rate::parse` accepts: building
// the tools would panic otherwise (`__private::rate` parses again at run time).
struct Limited;

#[sigil::server]
impl Limited {
    /// Rate `1/s`.
    #[sigil::tool(risk = Low, rate = "1/s")]
    async fn rate_0(&self) {}

    /// Rate `2/sec`.
    #[sigil::tool(risk = Low, rate = "2/sec")]
    async fn rate_1(&self) {}

    /// Rate `3/second`.
    #[sigil::tool(risk = Low, rate = "3/second")]
    async fn rate_2(&self) {}

    /// Rate `4/m`.
    #[sigil::tool(risk = Low, rate = "4/m")]
    async fn rate_3(&self) {}

    /// Rate `5/min`.
    #[sigil::tool(risk = Low, rate = "5/min")]
    async fn rate_4(&self) {}

    /// Rate `6/minute`.
    #[sigil::tool(risk = Low, rate = "6/minute")]
    async fn rate_5(&self) {}

    /// Rate `7/h`.
    #[sigil::tool(risk = Low, rate = "7/h")]
    async fn rate_6(&self) {}

    /// Rate `8/hour`.
    #[sigil::tool(risk = Low, rate = "8/hour")]
    async fn rate_7(&self) {}

    /// Rate `9/d`.
    #[sigil::tool(risk = Low, rate = "9/d")]
    async fn rate_8(&self) {}

    /// Rate `10/day`.
    #[sigil::tool(risk = Low, rate = "10/day")]
    async fn rate_9(&self) {}

    /// Spaces around the parts are allowed.
    #[sigil::tool(risk = Low, rate = " 11 / min ")]
    async fn spaced(&self) {}
}

fn main() {
    let tools = <Limited as sigil::tool::SigilService>::tools();
    let expected = [
        (1, 1),
        (2, 1),
        (3, 1),
        (4, 60),
        (5, 60),
        (6, 60),
        (7, 3600),
        (8, 3600),
        (9, 86400),
        (10, 86400),
        (11, 60),
    ];
    assert_eq!(tools.len(), expected.len());
    for (entry, (count, secs)) in tools.iter().zip(expected) {
        let entry = format!("{entry:?}");
        let rate = format!("rate: Some(Rate {{ count: {count}, per: {secs}s }})");
        assert!(entry.contains(&rate), "{rate} not in {entry}");
    }
}
