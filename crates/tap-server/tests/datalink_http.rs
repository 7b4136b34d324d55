//! DataLink, SODA and SIA over HTTP, request by request: per-ID faults in
//! the links document, IDs crafted to leave the image store, malformed
//! regions, a region outside the image, several stencils, corrupt and
//! truncated images (the server stays up), SIA's errors and capabilities.

mod common;

use common::{get, post, wait_done, TestServer};

/// The seed's coadd (tract 4431, patch 17, band i).
const SEED: &str = "20d28216-534a-4102-b8a7-1c7f32a9b78c";

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The (ID, error_message, semantics) of each row of a links document.
fn rows(document: &str) -> Vec<(String, String, String)> {
    document
        .split("<TR>")
        .skip(1)
        .map(|tr| {
            let cells: Vec<String> = tr
                .split("<TD")
                .skip(1)
                .map(|td| {
                    td.split_once('>')
                        .map(|(_, rest)| rest.split("</TD>").next().unwrap_or("").to_string())
                        .unwrap_or_default()
                })
                .collect();
            (cells[0].clone(), cells[3].clone(), cells[4].clone())
        })
        .collect()
}

/// The access_url of the first row with `semantics` in a links document.
fn access_url(document: &str, semantics: &str) -> String {
    let row = document
        .split("<TR>")
        .skip(1)
        .find(|tr| tr.contains(&format!(">{semantics}</TD>")))
        .unwrap_or_else(|| panic!("no {semantics} row: {document}"));
    let cell = row
        .split("<TD>")
        .nth(2)
        .unwrap()
        .split("</TD>")
        .next()
        .unwrap();
    cell.replace("&amp;", "&")
}

#[test]
fn links_keep_the_order_and_fault_per_id() {
    let data = common::scratch("datalink-http-links");
    let server = TestServer::start(&data, |_| {});
    let links = format!("{}/api/datalink/links", server.base);
    let good = format!("butler://dp02/{SEED}");
    let unknown = "butler://dp02/00000000-0000-4000-8000-000000000000";
    let did = format!("ivo://org.rubinobs/usdac/dp02?repo=dp02&id={SEED}");
    let r = post(
        &links,
        &[("ID", &good), ("ID", unknown), ("ID", ""), ("ID", &did)],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.content_type, "application/x-votable+xml;content=datalink");
    assert!(r.body.contains("ivo://ivoa.net/std/DataLink#links-1.1"));
    let rows = rows(&r.body);
    // Each ID's rows together, in the order asked.
    let order: Vec<&str> = rows.iter().map(|(id, ..)| id.as_str()).collect();
    let mut runs: Vec<&str> = order.clone();
    runs.dedup();
    assert_eq!(runs.len(), 4, "{order:?}");
    assert_eq!(runs[0], good);
    assert!(runs[1].ends_with("000000000000"));
    let semantics: Vec<&str> = rows
        .iter()
        .filter(|(id, ..)| id == &good)
        .map(|(_, _, s)| s.as_str())
        .collect();
    assert!(
        semantics.starts_with(&["#this", "#preview", "#cutout"]),
        "{semantics:?}"
    );
    // The preview is a PNG, at its signed URL (no token needed).
    let preview = common::agent()
        .get(&access_url(&r.body, "#preview"))
        .call()
        .unwrap();
    assert_eq!(preview.status(), 200);
    assert_eq!(preview.headers()["content-type"], "image/png");
    let bytes = preview.into_body().read_to_vec().unwrap();
    assert_eq!(&bytes[1..4], b"PNG");
    let fault = |i: usize| {
        rows.iter()
            .find(|(id, ..)| id == runs[i])
            .unwrap()
            .1
            .clone()
    };
    assert!(fault(1).starts_with("NotFoundFault: "), "{}", fault(1));
    assert!(fault(2).starts_with("UsageFault: "), "{}", fault(2));
    assert_eq!(fault(3), "", "the publisher DID is accepted");
    // Several descriptors, one per dataset, the first cutout-sync.
    assert!(r.body.contains("ID=\"cutout-sync\""));
    assert!(r.body.contains("ID=\"cutout-sync-2\""));
    assert!(r.body.contains("ID=\"cutout-async\""));
    assert!(r.body.contains("ivo://ivoa.net/std/SODA#sync-1.0"));
    assert!(r.body.contains("ivo://ivoa.net/std/SODA#async-1.0"));
    // GET works too; no ID is a DALI error.
    let g = get(&format!("{links}?ID={}", enc(&good)));
    assert_eq!(g.status, 200);
    let none = get(&links);
    assert_eq!(none.status, 400);
    assert!(none.body.contains("QUERY_STATUS") && none.body.contains("no ID"));
    let bad_format = get(&format!("{links}?ID={}&RESPONSEFORMAT=csv", enc(&good)));
    assert_eq!(bad_format.status, 400);
}

#[test]
fn ids_never_leave_the_store() {
    let data = common::scratch("datalink-http-escape");
    // A file beside the store that no ID may reach.
    std::fs::write(data.join("secret.fits"), b"SIMPLE  =                    T").unwrap();
    let server = TestServer::start(&data, |_| {});
    for crafted in [
        "../secret.fits",
        "/etc/passwd",
        "butler://dp02/../secret",
        "butler://dp02/../../../../etc/passwd",
        "butler%3A%2F%2Fdp02%2F..%2Fsecret",
        "butler%253A%252F%252Fdp02%252F..%252Fsecret",
        "butler://dp02/20d28216-534a-4102-b8a7-1c7f32a9b78c\0",
        "butler://dp02/20d28216-534a-4102-b8a7-1c7f32a9b78c/../../secret",
    ] {
        let links = get(&format!(
            "{}/api/datalink/links?ID={}",
            server.base,
            enc(crafted)
        ));
        assert_eq!(links.status, 200, "{crafted}");
        assert!(
            links.body.contains("NotFoundFault"),
            "{crafted}: {}",
            links.body
        );
        let cut = get(&format!(
            "{}/api/cutout/sync?ID={}&CIRCLE=55.7+-32.3+0.01",
            server.base,
            enc(crafted)
        ));
        assert_eq!(cut.status, 404, "{crafted}: {}", cut.body);
        assert!(cut.body.starts_with("NotFoundFault: "), "{}", cut.body);
        assert!(cut.content_type.starts_with("text/plain"));
        // Unsigned: refused before any lookup; a link's own signature on
        // another path: refused too.
        let file = get(&format!(
            "{}/api/datalink/files/{}",
            server.base,
            enc(crafted)
        ));
        assert!(
            matches!(file.status, 403 | 404),
            "{crafted}: {}",
            file.status
        );
        assert!(!file.body.contains("SIMPLE"));
    }
    let good = get(&format!(
        "{}/api/datalink/links?ID=butler%3A%2F%2Fdp02%2F{SEED}",
        server.base
    ));
    let signed = access_url(&good.body, "#this");
    let query = signed.split_once('?').unwrap().1;
    for path in [
        "..%2Fsecret.fits",
        "%2e%2e%2fsecret.fits",
        "..%252Fsecret.fits",
        "20d28216-534a-4102-b8a7-1c7f32a9b78c%2F..%2F..%2Fsecret",
    ] {
        for url in [
            format!("{}/api/datalink/files/{path}", server.base),
            format!("{}/api/datalink/files/{path}?{query}", server.base),
        ] {
            let r = get(&url);
            assert!(matches!(r.status, 403 | 404), "{url}: {}", r.status);
            assert!(!r.body.contains("SIMPLE"));
        }
    }
}

#[test]
fn cutout_parameters_regions_and_broken_images() {
    let data = common::scratch("datalink-http-soda");
    let server = TestServer::start(&data, |_| {});
    let sync = format!("{}/api/cutout/sync", server.base);
    let id = format!("butler://dp02/{SEED}");
    // Names are case-insensitive; POST and GET alike.
    let ok = post(&sync, &[("id", &id), ("circle", "55.7467 -32.2862 0.02")]);
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.content_type, "image/fits");
    let pos = get(&format!(
        "{sync}?ID={}&POS={}",
        enc(&id),
        enc("RANGE 55.70 55.75 -32.30 -32.25")
    ));
    assert_eq!(pos.status, 200, "{}", pos.body);
    // Outside the image: 204, no body.
    let outside = post(&sync, &[("ID", &id), ("CIRCLE", "120 40 0.1")]);
    assert_eq!(outside.status, 204);
    assert!(outside.body.is_empty());
    for (name, value, said) in [
        ("CIRCLE", "55.7 -32.3", "3 numbers"),
        ("CIRCLE", "55.7 NaN 0.1", "not a finite number"),
        ("CIRCLE", "55.7 -32.3 0", "radius"),
        ("CIRCLE", "55.7 -32.3 -1", "radius"),
        ("CIRCLE", "55.7 -32.3 181", "radius"),
        ("POLYGON", "55.6 -32.3 55.7 -32.3", "at least 3"),
        (
            "POLYGON",
            "55.6 -32.3 55.7 -32.2 55.7 -32.3 55.6 -32.2",
            "cross",
        ),
        ("POS", "BOX 55.7 -32.3 0.1 0.1", "CIRCLE, RANGE or POLYGON"),
        ("POS", "CIRCLE 55.7 -32.3", "3 numbers"),
    ] {
        let r = post(&sync, &[("ID", &id), (name, value)]);
        assert_eq!(r.status, 400, "{name}={value}: {}", r.body);
        assert!(r.body.starts_with("UsageError: "), "{}", r.body);
        assert!(r.body.contains(said), "{name}={value}: {}", r.body);
    }
    let two = post(
        &sync,
        &[
            ("ID", &id),
            ("CIRCLE", "55.7 -32.3 0.01"),
            ("POS", "CIRCLE 55.7 -32.3 0.01"),
        ],
    );
    assert_eq!(two.status, 400);
    assert!(
        two.body.starts_with("MultiValuedParamNotSupported: "),
        "{}",
        two.body
    );
    let no_id = post(&sync, &[("CIRCLE", "55.7 -32.3 0.01")]);
    assert!(no_id.body.starts_with("UsageError: "), "{}", no_id.body);

    // A broken image: an error naming the dataset; the server stays up.
    let image = data.join("images").join(format!("{SEED}.fits"));
    let bytes = std::fs::read(&image).expect("the image was made by the first cutout");
    std::fs::write(&image, &bytes[..bytes.len() / 3]).unwrap();
    let truncated = post(&sync, &[("ID", &id), ("CIRCLE", "55.7467 -32.2862 0.02")]);
    assert_eq!(truncated.status, 500);
    assert!(truncated.body.starts_with("Error: "), "{}", truncated.body);
    assert!(truncated.body.contains(SEED), "{}", truncated.body);
    std::fs::write(&image, vec![b'x'; bytes.len()]).unwrap();
    let corrupt = post(&sync, &[("ID", &id), ("CIRCLE", "55.7467 -32.2862 0.02")]);
    assert_eq!(corrupt.status, 500);
    assert!(
        corrupt.body.contains("not a valid FITS file"),
        "{}",
        corrupt.body
    );
    let alive = get(&format!("{}/api/tap/availability", server.base));
    assert_eq!(alive.status, 200);
}

#[test]
fn sia_errors_and_capabilities() {
    let data = common::scratch("datalink-http-sia");
    let server = TestServer::start(&data, |_| {});
    let caps = get(&format!("{}/api/sia/capabilities", server.base));
    assert_eq!(caps.status, 200);
    assert!(caps.body.contains("ivo://ivoa.net/std/SIA#query-2.0"));
    assert!(caps
        .body
        .contains(&format!("{}/api/sia/query", server.base)));
    let query = format!("{}/api/sia/query", server.base);
    for bad in [
        "CALIB=9",
        "POS=CIRCLE+1+2",
        "BAND=2+1",
        "DPTYPE=spectrum",
        "MAXREC=-1",
    ] {
        let r = get(&format!("{query}?{bad}"));
        assert_eq!(r.status, 400, "{bad}");
        assert!(
            r.body.contains("QUERY_STATUS") && r.body.contains("ERROR"),
            "{bad}: {}",
            r.body
        );
    }
    let r = get(&format!(
        "{query}?POS={}&MAXREC=3",
        enc("CIRCLE 55.7467 -32.2862 0.05")
    ));
    assert_eq!(r.status, 200);
    assert!(r.body.contains("OVERFLOW"), "more than 3 images there");
    // Its rows link to this service.
    assert!(r.body.contains("ID=\"datalink\""));
}

#[test]
fn async_cutouts_run_as_uws_jobs() {
    let data = common::scratch("datalink-http-async");
    let server = TestServer::start(&data, |_| {});
    let list = format!("{}/api/cutout/async", server.base);
    let id = format!("butler://dp02/{SEED}");
    let created = post(
        &list,
        &[
            ("ID", &id),
            ("CIRCLE", "55.7467 -32.2862 0.02"),
            ("PHASE", "RUN"),
        ],
    );
    assert_eq!(created.status, 303, "{}", created.body);
    let job = created.location.unwrap();
    assert!(job.starts_with(&format!("{list}/")), "{job}");
    let done = wait_done(&job);
    assert!(done.body.contains("COMPLETED"), "{}", done.body);
    let result = common::agent()
        .get(&format!("{job}/results/result"))
        .call()
        .unwrap();
    assert_eq!(result.headers()["content-type"], "image/fits");
    let bytes = result.into_body().read_to_vec().unwrap();
    assert!(bytes.starts_with(b"SIMPLE  ="));
    // The job is a SODA job: not under TAP's list, and TAP's not under SODA's.
    let tap_list = get(&format!("{}/api/tap/async", server.base));
    assert!(!tap_list.body.contains(job.rsplit('/').next().unwrap()));
    let jobs = get(&list);
    assert!(jobs.body.contains(job.rsplit('/').next().unwrap()));
    let under_tap = get(&format!(
        "{}/api/tap/async/{}",
        server.base,
        job.rsplit('/').next().unwrap()
    ));
    assert_eq!(under_tap.status, 404);
    // No overlap: an ERROR job saying so, in SODA's words.
    let outside = post(
        &list,
        &[("ID", &id), ("CIRCLE", "120 40 0.1"), ("PHASE", "RUN")],
    );
    let job = outside.location.unwrap();
    let done = wait_done(&job);
    assert!(done.body.contains("ERROR"), "{}", done.body);
    let error = get(&format!("{job}/error"));
    assert!(error.body.starts_with("NoOverlap: "), "{}", error.body);
    assert!(error.content_type.starts_with("text/plain"));
    let bad = post(&list, &[("ID", &id), ("CIRCLE", "1 2"), ("PHASE", "RUN")]);
    let job = bad.location.unwrap();
    wait_done(&job);
    assert!(get(&format!("{job}/error"))
        .body
        .starts_with("UsageError: "));
}

#[test]
fn signed_links_expire_are_shared_and_resist_tampering() {
    let data = common::scratch("datalink-http-signed");
    let server = TestServer::start(&data, |c| {
        c.url_lifetime = std::time::Duration::from_secs(3)
    });
    let links = get(&format!(
        "{}/api/datalink/links?ID={}",
        server.base,
        enc(&format!("butler://dp02/{SEED}"))
    ));
    let this = access_url(&links.body, "#this");
    assert!(
        this.contains("?expires=") && this.contains("&signature="),
        "{this}"
    );
    let file = get(&this);
    assert_eq!(file.status, 200);
    assert_eq!(file.content_type, "image/fits");
    // Tampered: the signature, the expiry, the path; and none at all.
    let (url, query) = this.split_once('?').unwrap();
    let sig_at = this.find("signature=").unwrap() + "signature=".len();
    let mut forged = this.clone();
    let flipped = if &this[sig_at..sig_at + 1] == "0" {
        "1"
    } else {
        "0"
    };
    forged.replace_range(sig_at..sig_at + 1, flipped);
    let expires: u64 = query
        .split('&')
        .find_map(|p| p.strip_prefix("expires="))
        .unwrap()
        .parse()
        .unwrap();
    let later = this.replace(
        &format!("expires={expires}"),
        &format!("expires={}", expires + 3600),
    );
    let other = format!(
        "{}/api/datalink/files/00000000-0000-4000-8000-000000000000?{query}",
        server.base
    );
    for (bad, why) in [
        (forged.as_str(), "does not match"),
        (later.as_str(), "does not match"),
        (other.as_str(), "does not match"),
        (url, "not signed"),
    ] {
        let r = get(bad);
        assert_eq!(r.status, 403, "{bad}");
        assert!(r.body.contains(why), "{bad}: {}", r.body);
        assert!(r.body.starts_with("AuthorizationFault: "));
    }
    // A second server on the same data directory (so the same key) accepts it;
    // one with another key does not.
    let twin = TestServer::start(&data, |_| {});
    let moved = this.replace(&server.base, &twin.base);
    assert_eq!(get(&moved).status, 200);
    let stranger_data = common::scratch("datalink-http-signed-other");
    let stranger = TestServer::start(&stranger_data, |_| {});
    assert_eq!(get(&this.replace(&server.base, &stranger.base)).status, 403);
    // Past its lifetime: refused, with when.
    std::thread::sleep(std::time::Duration::from_secs(4));
    let r = get(&this);
    assert_eq!(r.status, 403);
    assert!(r.body.contains("expired at"), "{}", r.body);
}
