//! Parsing and checking speed: each seed query, and the conformance corpus.
//!
//! `cargo bench -p adql-benches --bench parse`

use adql_benches::{seed_queries, shared_dir};
use adql_syntax::{validate, ValidateOptions};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn seeds(c: &mut Criterion) {
    let options = ValidateOptions::default();
    let mut group = c.benchmark_group("seed");
    for (n, q) in seed_queries().iter().enumerate() {
        assert!(validate(q, &options).is_valid(), "{q}");
        group.bench_with_input(BenchmarkId::from_parameter(n + 1), q, |b, q| {
            b.iter(|| validate(std::hint::black_box(q), &options))
        });
    }
    group.finish();
}

/// Every query of the lyonetia corpus, parsed and checked one after another.
fn corpus(c: &mut Criterion) {
    let mut queries = Vec::new();
    for subset in ["gavo", "roe"] {
        let dir = shared_dir().join("conformance/lyonetia").join(subset);
        for entry in std::fs::read_dir(&dir).expect("lyonetia folder") {
            let text = std::fs::read_to_string(entry.expect("entry").path()).expect("file");
            // The queries sit between <adql …> and </adql>; entities are rare enough here.
            for part in text.split("<adql").skip(1) {
                let body = &part[part.find('>').expect("tag end") + 1..];
                let body = &body[..body.find("</adql>").expect("closing tag")];
                queries.push(
                    body.replace("&lt;", "<")
                        .replace("&gt;", ">")
                        .replace("&amp;", "&"),
                );
            }
        }
    }
    let bytes: usize = queries.iter().map(String::len).sum();
    let options = ValidateOptions::default();
    let mut group = c.benchmark_group("corpus");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function(format!("{}-queries", queries.len()), |b| {
        b.iter(|| {
            for q in &queries {
                std::hint::black_box(validate(q, &options));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, seeds, corpus);
criterion_main!(benches);
