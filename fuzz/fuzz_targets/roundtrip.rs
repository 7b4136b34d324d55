//! parse → print → parse: a query that parses prints as text that parses to a
//! tree printing the same, and validity does not change.
#![no_main]

use adql_syntax::{validate, ValidateOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let options = ValidateOptions::default();
    let first = validate(text, &options);
    let Some(query) = &first.query else {
        return;
    };
    for printed in [query.to_string(), format!("{query:#}")] {
        let second = validate(&printed, &options);
        let reparsed = second
            .query
            .as_ref()
            .unwrap_or_else(|| panic!("printed query does not parse: {printed}\n{}", second.render(&printed, "printed")));
        assert_eq!(reparsed.to_string(), query.to_string(), "print is not stable for {text:?}");
        assert_eq!(first.is_valid(), second.is_valid(), "validity changed: {printed}");
    }
});
