// The macro knows every vault kind the runtime has, by the same names and in the same order.
use sigil::DataKind;

struct Vault;

#[sigil::server]
impl Vault {
    /// Sees everything in clear.
    #[sigil::tool(
        risk = High,
        reveal = [Iban, Card, Bic, Email, Phone, NationalId, CloudKey, ApiKey, PrivateKey, Password, Jwt, Secret]
    )]
    async fn everything(&self) {}
}

fn main() {
    let entry = format!("{:?}", <Vault as sigil::tool::SigilService>::tools()[0]);
    let all = format!("reveal: {:?}", DataKind::ALL.to_vec());
    assert!(entry.contains(&all), "{all} not in {entry}");
}
