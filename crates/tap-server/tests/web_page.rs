//! The query page in a real browser: Selenium drives Debian's `chromium`
//! (through `chromium-driver`, both installed by `.ci/run`) against two
//! servers this test starts, one open and one requiring bearer tokens. The
//! browser steps are `web/tests/test_page.py` (pytest); this test starts the
//! servers, hands their addresses over and checks that pytest passed.
//! Without Chromium the test fails under CI and says how to install it
//! elsewhere.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium_installed() -> bool {
    let chromium = std::env::var_os("ADQL_CHROMIUM").unwrap_or_else(|| "/usr/bin/chromium".into());
    let driver =
        std::env::var_os("ADQL_CHROMEDRIVER").unwrap_or_else(|| "/usr/bin/chromedriver".into());
    Path::new(&chromium).exists() && Path::new(&driver).exists()
}

/// A small HiPS (order 3, 64-pixel PNG tiles, a grey level per tile) for
/// the sky view's background, as `adql serve --hips DIR` serves one.
fn write_hips(dir: &Path) {
    let tiles = dir.join("Norder3/Dir0");
    std::fs::create_dir_all(&tiles).unwrap();
    std::fs::write(
        dir.join("properties"),
        "creator_did = ivo://adql-rs/test/hips\nobs_title = test tiles\n\
         dataproduct_type = image\nhips_version = 1.4\nhips_frame = equatorial\n\
         hips_order = 3\nhips_order_min = 0\nhips_tile_width = 64\n\
         hips_tile_format = png\n",
    )
    .unwrap();
    for npix in 0..768u32 {
        let mut png = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut png, 64, 64);
            encoder.set_color(png::ColorType::Grayscale);
            encoder.set_depth(png::BitDepth::Eight);
            let mut writer = encoder.write_header().unwrap();
            writer
                .write_image_data(&[(npix % 200) as u8 + 30; 64 * 64])
                .unwrap();
        }
        std::fs::write(tiles.join(format!("Npix{npix}.png")), png).unwrap();
    }
}

#[test]
fn the_query_page_works_in_chromium() {
    if !chromium_installed() {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is not installed: .ci/run installs it (apt-get install chromium chromium-driver)"
        );
        eprintln!(
            "browser tests skipped: install chromium and chromium-driver (apt-get) to run them"
        );
        return;
    }
    let open_data = common::scratch("page");
    let hips = open_data.join("hips");
    write_hips(&hips);
    let open = common::TestServer::start(&open_data, move |c| {
        c.hips_dir = Some(hips);
        c.page_hips = Some("hips".into());
    });
    let token_data = common::scratch("page-auth");
    let tokens = token_data.join("tokens");
    std::fs::write(&tokens, "page-token reader\n").unwrap();
    let token_server = common::TestServer::start(&token_data, move |c| c.tokens = Some(tokens));

    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let output = Command::new(common::python())
        .args([
            "-m",
            "pytest",
            "web/tests",
            "-x",
            "-q",
            "-p",
            "no:cacheprovider",
        ])
        .current_dir(&root)
        .env("ADQL_PAGE_URL", format!("{}/", open.base))
        .env("ADQL_PAGE_TOKEN_URL", format!("{}/", token_server.base))
        .env("ADQL_PAGE_TOKEN", "page-token")
        .output()
        .expect("pytest runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the browser tests failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains(" passed"), "pytest ran nothing:\n{stdout}");
    drop(open);
    drop(token_server);
    std::fs::remove_dir_all(open_data).ok();
    std::fs::remove_dir_all(token_data).ok();
}

/// The raw answer to `GET path` with `headers` (each ending in CRLF), over
/// HTTP/1.0 so that the body is not chunked.
fn raw_get(base: &str, path: &str, headers: &str) -> Vec<u8> {
    use std::io::{Read, Write};
    let address = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: {address}\r\n{headers}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    answer
}

/// The page's routes over HTTP, without a browser: the page and its assets
/// (gzipped when asked), the checker's JSON, the HiPS directory and nothing
/// outside it, all answered without a token when the API needs one.
#[test]
fn the_page_the_checker_and_the_hips_directory_over_http() {
    let data = common::scratch("page-http");
    let hips = data.join("hips");
    write_hips(&hips);
    let tokens = data.join("tokens");
    std::fs::write(&tokens, "page-token reader\n").unwrap();
    let server = common::TestServer::start(&data, move |c| {
        c.hips_dir = Some(hips);
        c.page_hips = Some("hips".into());
        c.tokens = Some(tokens);
    });
    let base = &server.base;

    let page = common::get(&format!("{base}/"));
    assert_eq!(page.status, 200);
    assert!(page.content_type.starts_with("text/html"));
    assert!(page
        .body
        .contains(r#"<meta name="adql-hips" content="hips">"#));
    // Raw HTTP: ureq would unpack gzip itself and hide the header.
    let gzipped = raw_get(base, "/page/sky.js", "Accept-Encoding: gzip\r\n");
    let split = gzipped.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&gzipped[..split]).to_ascii_lowercase();
    assert!(head.contains("content-encoding: gzip"), "{head}");
    assert!(gzipped[split + 4..].starts_with(&[0x1f, 0x8b]));
    let agent = common::agent();
    let plain = common::get(&format!("{base}/page/app.js"));
    assert_eq!(plain.status, 200);
    assert!(plain.content_type.starts_with("text/javascript"));
    assert_eq!(common::get(&format!("{base}/page/app.js.map")).status, 404);

    // The API needs the token; the checker is part of it.
    let check = |query: &str| {
        let reply = common::reply(
            agent
                .post(format!("{}/validate", server.tap))
                .header("Authorization", "Bearer page-token")
                .send_form([("QUERY", query), ("LANG", "ADQL")]),
        );
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert!(reply.content_type.starts_with("application/json"));
        serde_json::from_str::<serde_json::Value>(&reply.body).unwrap()
    };
    assert_eq!(
        common::post(
            &format!("{}/validate", server.tap),
            &[("QUERY", "SELECT 1")]
        )
        .status,
        401
    );
    let typo = check("SELECT obs_idd FROM ivoa.ObsCore");
    assert_eq!(typo["valid"], false);
    let finding = &typo["diagnostics"][0];
    assert_eq!(
        (finding["line"].as_u64(), finding["column"].as_u64()),
        (Some(1), Some(8))
    );
    assert_eq!(
        (finding["from"].as_u64(), finding["to"].as_u64()),
        (Some(7), Some(14))
    );
    assert!(finding["hint"].as_str().unwrap().contains("obs_id"));
    let fine = check("SELECT TOP 1 obs_id FROM ivoa.ObsCore");
    assert_eq!(fine["valid"], true);
    assert_eq!(fine["diagnostics"].as_array().unwrap().len(), 0);
    let broken = check("SELECT TOP 5 FROM ivoa.ObsCore");
    assert_eq!(broken["valid"], false);
    assert_eq!(broken["diagnostics"][0]["column"].as_u64(), Some(14));
    let missing = common::reply(
        agent
            .post(format!("{}/validate", server.tap))
            .header("Authorization", "Bearer page-token")
            .send_form([("LANG", "ADQL")]),
    );
    assert_eq!(missing.status, 400);
    assert!(missing.body.contains("QUERY"), "{}", missing.body);

    // The HiPS: its files, and nothing beside or above it.
    let properties = common::get(&format!("{base}/hips/properties"));
    assert_eq!(properties.status, 200);
    assert!(properties.body.contains("hips_order = 3"));
    assert_eq!(
        common::get(&format!("{base}/hips/Norder3/Dir0/Npix539.png")).status,
        200
    );
    for outside in [
        "/hips/../tokens",
        "/hips/%2e%2e/tokens",
        "/hips/%2E%2E%2Ftokens",
        "/hips/..%2Ftokens",
        "/hips/%2Fetc%2Fpasswd",
        "/hips//etc/passwd",
        "/hips/Norder3/..%5C..%5Ctokens",
        "/hips/properties%00",
    ] {
        let reply = common::get(&format!("{base}{outside}"));
        assert!(
            reply.status >= 400
                && !reply.body.contains("page-token")
                && !reply.body.contains("root:"),
            "{outside}: {} {}",
            reply.status,
            reply.body
        );
    }
    drop(server);
    std::fs::remove_dir_all(data).ok();
}
