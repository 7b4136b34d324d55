//! Embedding the engine: build a catalogue over a snapshot (here the demo one),
//! run ADQL to a stream of Arrow record batches with column metadata, and write
//! them as a VOTable — what a TAP service does behind its endpoint.
//!
//! `cargo run -p adql-engine --example embed -- "SELECT TOP 3 obs_id, s_ra FROM ivoa.ObsCore"`

use futures::StreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let adql = std::env::args().nth(1).unwrap_or_else(|| {
        "SELECT TOP 3 obs_id, s_ra, s_dec FROM ivoa.ObsCore ORDER BY s_ra".to_string()
    });
    // Any snapshot: adql_engine::Engine::new(&obscore::Snapshot::open(dir)?).await?
    let engine = adql_engine::Engine::demo().await?;
    let mut result = match engine.query(&adql).await {
        Ok(r) => r,
        Err(adql_engine::EngineError::Query(diagnostics)) => {
            eprint!("{}", adql_syntax::render_all(&diagnostics, &adql, "query"));
            std::process::exit(1);
        }
        Err(e) => return Err(e.into()),
    };
    let options = votable::WriterOptions {
        infos: vec![votable::Info::new("QUERY", adql.clone())],
        ..Default::default()
    };
    let mut writer = votable::VotableWriter::new(std::io::stdout(), &result.schema, &options)?;
    while let Some(batch) = result.stream.next().await {
        let batch =
            arrow::array::RecordBatch::try_new(result.schema.clone(), batch?.columns().to_vec())?;
        writer.write_batch(&batch)?;
    }
    writer.finish(false)?;
    Ok(())
}
