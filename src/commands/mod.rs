//! One module per subcommand; each is a thin layer over library calls.

pub(crate) mod download;
pub(crate) mod resolve;
pub(crate) mod tree;
pub(crate) mod universal;
