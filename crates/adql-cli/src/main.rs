//! The `adql` binary: everything it does is in the library ([`adql_cli`]).

use std::process::ExitCode;

// Query execution allocates and frees many page-sized buffers (Parquet pages,
// batches); mimalloc reuses them instead of returning them to the OS and
// faulting fresh zeroed pages back in, as the system allocator does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    adql_cli::main_with_args(std::env::args_os())
}
