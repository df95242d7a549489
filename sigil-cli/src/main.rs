//! The `sigil` command line tool.

fn main() {
    eprintln!("sigil: no command given");
    std::process::exit(2);
}
