//! Helpers shared by the integration tests.

use serde::Serialize;
use serde_json::Value;

/// The tree as JSON with every `span` removed, to compare trees parsed from
/// differently formatted text.
pub fn without_spans<T: Serialize>(tree: &T) -> Value {
    let mut v = serde_json::to_value(tree).expect("serialisable");
    strip(&mut v);
    v
}

fn strip(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.remove("span");
            map.values_mut().for_each(strip);
        }
        Value::Array(items) => items.iter_mut().for_each(strip),
        _ => {}
    }
}
