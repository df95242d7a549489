#[sigil::server]
struct Bank;

fn main() {}
