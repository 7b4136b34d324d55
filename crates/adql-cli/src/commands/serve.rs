//! `adql serve`: the TAP server over a snapshot (default: the demo snapshot).

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use tap_server::{Service, ServiceConfig};

use crate::ServeArgs;

/// The per-user data directory: `$XDG_DATA_HOME/adql-rs/tap`, else
/// `~/.local/share/adql-rs/tap`.
fn default_data_dir() -> Result<std::path::PathBuf> {
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return Ok(std::path::PathBuf::from(dir).join("adql-rs/tap"));
    }
    let home = std::env::var_os("HOME").context("no HOME: give --data-dir")?;
    Ok(std::path::PathBuf::from(home).join(".local/share/adql-rs/tap"))
}

/// Logs to standard error, filtered by `RUST_LOG` (default `info`): the
/// server's and the cluster processes'.
pub(crate) fn init_logging(format: &str) -> Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    match format {
        "text" => builder.init(),
        "json" => builder.json().init(),
        other => bail!("--log-format takes text or json, got `{other}`"),
    }
    Ok(())
}

pub(crate) fn serve(args: &ServeArgs) -> Result<ExitCode> {
    init_logging(&args.log_format)?;
    crate::commands::query::runtime()?.block_on(async {
        let options = adql_engine::EngineOptions {
            memory_limit: args.memory_limit_mib.saturating_mul(1024 * 1024),
        };
        let engine = args.catalogue.engine(&options).await?;
        let listener = tokio::net::TcpListener::bind(&args.addr)
            .await
            .with_context(|| format!("cannot listen on {}", args.addr))?;
        let local = listener.local_addr()?;
        let base_url = args
            .base_url
            .clone()
            .unwrap_or_else(|| format!("http://{local}"));
        let data_dir = match &args.data_dir {
            Some(d) => d.clone(),
            None => default_data_dir()?,
        };
        let mut config = ServiceConfig::new(base_url, data_dir);
        config.tokens = args.tokens.clone();
        config.maxrec_default = args.maxrec_default;
        config.maxrec_hard = args.maxrec_hard.max(args.maxrec_default);
        config.max_concurrent = args.max_concurrent.max(1);
        config.max_queued = args.max_queued;
        config.query_timeout = Duration::from_secs(args.query_timeout.max(1));
        config.memory_limit = options.memory_limit;
        config.max_request_bytes = args.max_request_mib.saturating_mul(1024 * 1024);
        config.upload_limit_bytes = args.upload_limit;
        config.retention = Duration::from_secs(args.retention.max(60));
        config.images = args
            .images
            .images
            .clone()
            .map(|dir| (dir, args.images.image_layout.clone()));
        config.rewrite_access_url = !args.keep_access_url;
        config.url_lifetime = Duration::from_secs(args.url_lifetime.max(1));
        config.url_key = args.url_key.clone();
        match args.hips.as_deref() {
            Some(hips) if hips.contains("://") => config.page_hips = Some(hips.to_string()),
            Some(dir) => {
                let dir = std::path::PathBuf::from(dir);
                anyhow::ensure!(
                    dir.join("properties").is_file(),
                    "--hips {}: not a HiPS directory (no `properties` file) nor a URL",
                    dir.display()
                );
                config.hips_dir = Some(dir);
                config.page_hips = Some("hips".to_string());
            }
            None => {}
        }
        let service = Service::new(engine, config)?;
        service.start_background();
        let what = match &args.catalogue.snapshot {
            Some(location) => location.clone(),
            None => format!(
                "the embedded demo snapshot ({})",
                obscore::demo::demo_dir().display()
            ),
        };
        let images = match &args.images.images {
            Some(dir) => format!("images from {}", dir.display()),
            None => "synthetic demo images".to_string(),
        };
        eprintln!(
            "adql serve: query page at {}/; TAP service at {} over {what}; DataLink, SODA and SIA at {}/api/{{datalink,cutout,sia}} ({images}); jobs in {}{}",
            service.config().base_url,
            service.config().tap_url(),
            service.config().base_url,
            service.config().data_dir.display(),
            if service.config().tokens.is_some() {
                "; bearer tokens required"
            } else {
                ""
            }
        );
        tap_server::serve(service, listener).await?;
        Ok(ExitCode::SUCCESS)
    })
}
