//! `adql snapshot info`: what a snapshot holds.

use std::process::ExitCode;

use anyhow::Result;

pub(crate) fn snapshot_info(dir: Option<&std::path::Path>) -> Result<ExitCode> {
    let snapshot = match dir {
        Some(d) => obscore::Snapshot::open(d)?,
        None => {
            eprintln!(
                "(the embedded demo snapshot, {})",
                obscore::demo::demo_dir().display()
            );
            obscore::demo::demo_snapshot()?
        }
    };
    let m = &snapshot.manifest;
    println!("snapshot   {}", snapshot.dir.display());
    println!(
        "format     {} version {} ({})",
        m.format, m.version, m.created_by
    );
    println!(
        "table      {}: {}",
        m.table.qualified_name(),
        m.table.description
    );
    println!("rows       {}", m.rows);
    println!(
        "row groups {} in {} file(s){}",
        m.row_groups,
        m.files.len(),
        if m.sky_sorted {
            format!(", sorted by HEALPix depth {}", m.healpix_depth)
        } else {
            String::new()
        }
    );
    if let Some(c) = &m.coverage {
        println!(
            "coverage   RA {:.3}..{:.3}, Dec {:.3}..{:.3} (deg)",
            c.ra_min, c.ra_max, c.dec_min, c.dec_max
        );
    }
    println!("columns    {}", m.table.columns.len());
    for c in &m.table.columns {
        println!(
            "  {:<20} {:<8} {:<7} {:<28} {}",
            c.name,
            c.tap_datatype(),
            c.unit.as_deref().unwrap_or(""),
            c.ucd.as_deref().unwrap_or(""),
            c.utype.as_deref().unwrap_or("")
        );
    }
    Ok(ExitCode::SUCCESS)
}
