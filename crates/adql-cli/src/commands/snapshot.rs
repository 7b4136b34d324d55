//! `adql snapshot info`: what a snapshot holds.

use std::process::ExitCode;

use anyhow::Result;

pub(crate) fn snapshot_info(location: Option<&str>) -> Result<ExitCode> {
    let snapshot = match location {
        Some(l) => {
            crate::commands::query::runtime()?.block_on(adql_engine::storage::open_snapshot(l))?
        }
        None => {
            eprintln!(
                "(the embedded demo snapshot, {})",
                obscore::demo::demo_dir().display()
            );
            obscore::demo::demo_snapshot()?
        }
    };
    let m = &snapshot.manifest;
    println!("snapshot   {}", snapshot.location);
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
    match m.table.position_columns() {
        Some((ra, dec)) => println!("position   {ra}, {dec} (ICRS degrees; the sky sort key's)"),
        None => println!("position   none (no spatial pruning)"),
    }
    if let Some(c) = &m.coverage {
        println!(
            "coverage   RA {:.3}..{:.3}, Dec {:.3}..{:.3} (deg)",
            c.ra_min, c.ra_max, c.dec_min, c.dec_max
        );
    }
    if m.parts.len() > 1 {
        println!("parts      {}", m.parts.len());
        for p in &m.parts {
            let healpix = p
                .healpix
                .map(|[lo, hi]| format!("_healpix {lo}..{hi}"))
                .unwrap_or_default();
            let dec = p
                .coverage
                .map(|c| format!(", Dec {:.3}..{:.3}", c.dec_min, c.dec_max))
                .unwrap_or_default();
            println!("  {:<20} {:>9} rows {healpix}{dec}", p.file, p.rows);
        }
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
