//! Shared inputs for the criterion benchmarks in `benches/benches/`.

use std::path::PathBuf;

/// The shared folder: `$ADQL_SHARED_DIR`, or `../shared` beside the checkout.
pub fn shared_dir() -> PathBuf {
    std::env::var_os("ADQL_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"))
}

/// The seed queries of `reference/seed-queries.md` (the ```sql blocks), in order.
pub fn seed_queries() -> Vec<String> {
    let path = shared_dir().join("reference/seed-queries.md");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; set ADQL_SHARED_DIR", path.display()));
    let mut queries = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```sql") => current = Some(String::new()),
            (Some(q), "```") => {
                queries.push(q.trim_end().to_string());
                current = None;
            }
            (Some(q), l) => {
                q.push_str(l);
                q.push('\n');
            }
            (None, _) => {}
        }
    }
    queries
}

#[cfg(test)]
mod tests {
    #[test]
    fn seeds_are_found() {
        let seeds = super::seed_queries();
        assert_eq!(seeds.len(), 11);
        assert!(seeds[0].starts_with("SELECT * FROM tap_schema.schemas"));
    }
}
