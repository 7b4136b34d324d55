//! VOTable writing speed: 1 M ObsCore-shaped rows, BINARY2 and TABLEDATA, to a
//! sink; throughput in output bytes.
//!
//! `cargo bench -p adql-benches --bench votable`

use adql_benches::obscore_like;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use votable::{Serialization, VotableWriter, WriterOptions};

const ROWS: usize = 1_000_000;

fn write_all(batches: &[arrow::array::RecordBatch], serialization: Serialization) -> usize {
    let options = WriterOptions {
        serialization,
        ..WriterOptions::default()
    };
    let mut w = VotableWriter::new(
        Vec::with_capacity(1 << 20),
        &obscore_like::schema(),
        &options,
    )
    .unwrap();
    let mut bytes = 0;
    for b in batches {
        w.write_batch(b).unwrap();
    }
    bytes += w.finish(false).unwrap().len();
    bytes
}

fn writers(c: &mut Criterion) {
    let batches: Vec<_> = (0..ROWS)
        .step_by(8192)
        .map(|s| obscore_like::batch(s, 8192.min(ROWS - s)))
        .collect();
    let mut group = c.benchmark_group("votable_1M_obscore_rows");
    group.sample_size(10);
    for serialization in [Serialization::Binary2, Serialization::TableData] {
        let bytes = write_all(&batches, serialization);
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(format!("{serialization:?}"), |b| {
            b.iter(|| write_all(&batches, serialization))
        });
    }
    group.finish();
}

criterion_group!(benches, writers);
criterion_main!(benches);
