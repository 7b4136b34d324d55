//! Keeps `grammar/adql.ebnf` true: every production has at least one example,
//! every example is accepted by the parser and checker, every name used on a
//! right-hand side is defined, and every production but the first is used.

use std::collections::{BTreeMap, BTreeSet};

use adql_syntax::{validate, ValidateOptions};

const GRAMMAR: &str = include_str!("../../../grammar/adql.ebnf");

struct Production {
    body: String,
    examples: Vec<String>,
}

/// Splits the grammar into productions (`name ::= body`) with their examples.
fn productions() -> Vec<(String, Production)> {
    let mut out: Vec<(String, Production)> = Vec::new();
    let mut in_comment = false;
    for line in GRAMMAR.lines() {
        let trimmed = line.trim();
        if let Some(example) = trimmed.strip_prefix("(* example:") {
            let example = example
                .trim()
                .strip_suffix("*)")
                .expect("one-line example")
                .trim();
            out.last_mut()
                .expect("example after a production")
                .1
                .examples
                .push(example.into());
            continue;
        }
        if in_comment || trimmed.starts_with("(*") {
            in_comment = !trimmed.ends_with("*)");
            continue;
        }
        if let Some((name, body)) = line.split_once("::=") {
            out.push((
                name.trim().to_string(),
                Production {
                    body: body.to_string(),
                    examples: Vec::new(),
                },
            ));
        } else if !trimmed.is_empty() {
            out.last_mut()
                .expect("continuation after a production")
                .1
                .body
                .push_str(line);
        }
    }
    out
}

/// Names used on a right-hand side: words outside quotes.
fn referenced(body: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut quote: Option<char> = None;
    let mut word = String::new();
    for c in body.chars().chain([' ']) {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c.is_ascii_alphanumeric() || c == '_' => word.push(c),
            None => {
                if !word.is_empty() {
                    names.insert(std::mem::take(&mut word));
                }
            }
        }
    }
    names
}

#[test]
fn every_production_has_an_accepted_example() {
    let productions = productions();
    assert!(
        productions.len() > 50,
        "found only {} productions",
        productions.len()
    );
    for (name, p) in &productions {
        assert!(!p.examples.is_empty(), "production {name} has no example");
        for example in &p.examples {
            let v = validate(example, &ValidateOptions::default());
            assert!(
                v.is_valid(),
                "example of {name} is rejected:\n{}",
                v.render(example, name)
            );
        }
    }
}

#[test]
fn grammar_names_are_defined_and_used() {
    // Lexical names explained in prose rather than defined as productions.
    let lexical: BTreeSet<&str> = ["digits", "letter", "digit", "character", "separator"].into();
    let productions = productions();
    let defined: BTreeMap<&str, &Production> =
        productions.iter().map(|(n, p)| (n.as_str(), p)).collect();
    let mut used = BTreeSet::new();
    for (name, p) in &productions {
        for r in referenced(&p.body) {
            assert!(
                defined.contains_key(r.as_str()) || lexical.contains(r.as_str()),
                "{name} uses undefined {r}"
            );
            used.insert(r);
        }
    }
    for (name, _) in productions.iter().skip(1) {
        assert!(used.contains(name), "production {name} is never used");
    }
}
