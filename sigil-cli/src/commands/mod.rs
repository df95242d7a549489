//! One module per subcommand.

pub(crate) mod audit;
pub(crate) mod keygen;
pub(crate) mod login;
pub(crate) mod pack;
pub(crate) mod scan;
