//! Arbitrary bytes into the validator: it must answer (tree or diagnostic), never
//! panic, overflow the stack or hang; every diagnostic must render.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let v = adql_syntax::validate(&text, &adql_syntax::ValidateOptions::default());
    let _ = v.render(&text, "fuzz");
    for d in &v.diagnostics {
        assert!(d.span.start <= d.span.end && d.span.end <= text.len(), "span out of range: {d:?}");
    }
});
