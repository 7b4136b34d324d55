//! Arbitrary bytes into the VOTable reader: batches or an error, never a panic,
//! a hang or an unbounded allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(reader) = votable::VotableReader::new(data) {
        for batch in reader.take(1000) {
            if batch.is_err() {
                break;
            }
        }
    }
});
