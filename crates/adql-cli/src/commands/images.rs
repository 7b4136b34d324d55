//! `adql datalink`, `adql cutout`, `adql sia`: the image services without a
//! server, over the same catalogue and image store as `adql serve`.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use adql_engine::EngineError;
use anyhow::{Context, Result};
use datalink::{CutoutRequest, ImageStore};
use tap_server::datasets::{Datasets, ImageSource};

use crate::{CutoutArgs, DatalinkArgs, ImagesArgs, SiaArgs};

impl ImagesArgs {
    /// `--images DIR` with its layout, or the demo's synthetic images in the cache.
    fn source(&self) -> Result<ImageSource> {
        Ok(match &self.images {
            Some(dir) => {
                anyhow::ensure!(
                    dir.is_dir(),
                    "--images {} is not a directory",
                    dir.display()
                );
                ImageSource::Store(
                    ImageStore::new(dir, &self.image_layout).map_err(anyhow::Error::msg)?,
                )
            }
            None => ImageSource::Synthetic(
                ImageStore::new(
                    obscore::demo::cache_dir().join("images"),
                    ImageStore::DEFAULT_LAYOUT,
                )
                .map_err(anyhow::Error::msg)?,
            ),
        })
    }
}

pub(crate) fn datalink(args: &DatalinkArgs) -> Result<ExitCode> {
    let source = args.images.source()?;
    crate::commands::query::runtime()?.block_on(async {
        let engine = args.catalogue.engine(&Default::default()).await?;
        let datasets = Datasets::new(Arc::new(engine), source, &args.base_url, None);
        let ids: Vec<&str> = args.ids.iter().map(String::as_str).collect();
        let document = datasets.links_document(&ids).await;
        std::io::stdout().write_all(document.as_bytes())?;
        Ok(ExitCode::SUCCESS)
    })
}

pub(crate) fn cutout(args: &CutoutArgs) -> Result<ExitCode> {
    let source = args.images.source()?;
    let mut params = vec![("ID", args.id.as_str())];
    for (name, value) in [
        ("CIRCLE", &args.circle),
        ("POLYGON", &args.polygon),
        ("POS", &args.pos),
    ] {
        if let Some(v) = value {
            params.push((name, v.as_str()));
        }
    }
    let request = match CutoutRequest::from_params(params) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("adql: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    crate::commands::query::runtime()?.block_on(async {
        let engine = args.catalogue.engine(&Default::default()).await?;
        let datasets = Datasets::new(Arc::new(engine), source, "http://127.0.0.1:8080", None);
        let outcome = async {
            let dataset = datasets.dataset(&request.id).await?;
            let image = datasets.image_file(&dataset)?;
            let butler = dataset.id.butler();
            datalink::cut_to_file(&image, &request.stencil, &args.output)
                .map(|made| (made, butler.clone()))
                .map_err(|e| e.into_soda(&butler))
        }
        .await;
        match outcome {
            Ok((made, butler)) => {
                let (w, h) = made.pixel_box.size();
                eprintln!(
                    "adql: {} ← {butler}: {w}×{h} pixels from x {}, y {} of {} HDUs, {} bytes",
                    args.output.display(),
                    made.pixel_box.x0,
                    made.pixel_box.y0,
                    made.hdus,
                    made.bytes
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                eprintln!("adql: {e}");
                Ok(ExitCode::from(1))
            }
        }
    })
}

pub(crate) fn sia(args: &SiaArgs) -> Result<ExitCode> {
    let pairs = args
        .params
        .iter()
        .map(|p| {
            p.split_once('=')
                .with_context(|| format!("SIA parameters are NAME=VALUE, got `{p}`"))
        })
        .collect::<Result<Vec<_>>>()?;
    let query = match datalink::sia::query(pairs) {
        Ok(q) => q,
        Err(e) => {
            eprintln!("adql: UsageError: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    eprintln!("adql: as ADQL: {}", query.adql);
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let format = crate::commands::query::format(args.format.as_deref(), to_terminal)?;
    crate::commands::query::runtime()?.block_on(async {
        let engine = args.catalogue.engine(&Default::default()).await?;
        let result = match engine.query(&query.adql).await {
            Ok(r) => r,
            Err(EngineError::Query(d)) => {
                eprint!("{}", adql_syntax::render_all(&d, &query.adql, "<sia>"));
                return Ok(ExitCode::from(1));
            }
            Err(e) => return Err(e.into()),
        };
        let out = crate::commands::query::open_output(args.output.as_deref())?;
        let maxrec = args.maxrec.or(query.maxrec);
        let (rows, overflow) = crate::commands::query::write(
            result,
            format,
            std::io::BufWriter::new(out),
            maxrec,
            None,
        )
        .await?;
        if overflow {
            eprintln!("adql: more images than {rows}; stopped at MAXREC {rows}");
        }
        Ok(ExitCode::SUCCESS)
    })
}
