//! The query page people open in a browser at the service's root: an ADQL
//! editor, schema browser, jobs, results and a sky view. Its sources and build
//! script are in `web/`; the built files in `web/dist/` are embedded here, so
//! that `cargo build` needs no Node.

use std::io::Write;
use std::sync::{Arc, OnceLock};

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::Service;

/// The page's files: (name, MIME type, bytes).
const ASSETS: [(&str, &str, &[u8]); 3] = [
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../web/dist/app.js"),
    ),
    (
        "sky.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../web/dist/sky.js"),
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../../web/dist/app.css"),
    ),
];

const INDEX: &str = include_str!("../../../web/dist/index.html");

/// `GET /`: the page, naming the server's HiPS for the sky view when it has one.
pub async fn index(State(service): State<Arc<Service>>) -> Response {
    let mut html = INDEX.to_string();
    if let Some(hips) = &service.config.page_hips {
        let meta = format!(
            "<meta name=\"adql-hips\" content=\"{}\">\n</head>",
            datalink::links::escape(hips)
        );
        html = html.replacen("</head>", &meta, 1);
    }
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // The page names its assets without versions: ask again each time.
            (header::CACHE_CONTROL, "no-cache"),
        ],
        html,
    )
        .into_response()
}

/// `GET /page/{name}`: one of the page's scripts or its stylesheet, gzipped
/// when the client accepts it (Aladin Lite's 2.4 MB script becomes 0.8 MB).
pub async fn asset(Path(name): Path<String>, headers: HeaderMap) -> Response {
    let Some(index) = ASSETS.iter().position(|(n, _, _)| *n == name) else {
        return (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("the page has no file {name}\n"),
        )
            .into_response();
    };
    let (_, mime, bytes) = ASSETS[index];
    let common = [
        (header::CONTENT_TYPE, mime),
        (header::CACHE_CONTROL, "no-cache"),
        (header::VARY, "accept-encoding"),
    ];
    if accepts_gzip(&headers) {
        let gzipped: &'static [u8] = &gzipped_assets()[index];
        (common, [(header::CONTENT_ENCODING, "gzip")], gzipped).into_response()
    } else {
        (common, bytes).into_response()
    }
}

/// Whether `Accept-Encoding` lists gzip without `q=0`.
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or("");
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            name.eq_ignore_ascii_case("gzip") && !refused
        })
}

/// The assets gzipped once, on first use (about 0.1 s), then kept.
fn gzipped_assets() -> &'static [Vec<u8>] {
    static GZIPPED: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    GZIPPED.get_or_init(|| {
        ASSETS
            .iter()
            .map(|(_, _, bytes)| {
                let mut encoder =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                // Writing into a Vec cannot fail.
                encoder.write_all(bytes).expect("gzip into memory");
                encoder.finish().expect("gzip into memory")
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_page_names_the_assets_it_is_served_with() {
        for (name, _, bytes) in ASSETS {
            assert!(!bytes.is_empty(), "{name} is empty: run web/build.sh");
        }
        assert!(INDEX.contains("page/app.js") && INDEX.contains("page/app.css"));
        let app = std::str::from_utf8(ASSETS[0].2).unwrap();
        assert!(app.contains("./sky.js"), "app.js loads sky.js beside it");
    }

    #[test]
    fn gzip_is_sent_only_when_accepted_and_unpacks_to_the_asset() {
        use std::io::Read;
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT_ENCODING, value.parse().unwrap());
            accepts_gzip(&headers)
        };
        assert!(with("gzip, deflate, br, zstd"));
        assert!(with("br;q=1.0, GZIP;q=0.5"));
        assert!(!with("gzip;q=0, br"));
        assert!(!with("identity"));
        assert!(!accepts_gzip(&HeaderMap::new()));
        for (index, (name, _, bytes)) in ASSETS.iter().enumerate() {
            let packed = &gzipped_assets()[index];
            assert!(packed.len() < bytes.len(), "{name}");
            let mut unpacked = Vec::new();
            flate2::read::GzDecoder::new(&packed[..])
                .read_to_end(&mut unpacked)
                .unwrap();
            assert_eq!(&unpacked[..], *bytes, "{name}");
        }
    }
}
