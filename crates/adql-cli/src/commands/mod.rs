//! One module per subcommand; `main.rs` parses the arguments and dispatches.

pub(crate) mod cluster;
pub(crate) mod generate;
pub(crate) mod images;
pub(crate) mod ingest;
pub(crate) mod query;
pub(crate) mod serve;
pub(crate) mod shell;
pub(crate) mod snapshot;
pub(crate) mod storage;
