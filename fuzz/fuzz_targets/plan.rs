//! ADQL → DataFusion plans over the demo catalogue (`ivoa.ObsCore`, TAP_SCHEMA):
//! lowering, optimisation and physical planning of any text either succeed or
//! give an error, never a panic. Nothing is executed.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

static ENGINE: OnceLock<(tokio::runtime::Runtime, adql_engine::Engine)> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (runtime, engine) = ENGINE.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let engine = runtime
            .block_on(adql_engine::Engine::demo())
            .expect("the demo snapshot");
        (runtime, engine)
    });
    let _ = runtime.block_on(engine.explain(text, false));
});
