//! An S3-compatible server (moto, from `$ADQL_PYTHON`'s venv) for tests:
//! `testdata/s3_server.py` started on a free loopback port, with a bucket and
//! a key that the server checks. Shared by the engine's and the CLI's tests
//! (`#[path]`-included).

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A running server; stopped when dropped.
pub struct S3Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// The access key the server knows.
    pub key_id: String,
    /// Its secret.
    pub secret: String,
    /// The bucket made for the test.
    pub bucket: String,
}

fn python() -> std::path::PathBuf {
    if let Some(p) = std::env::var_os("ADQL_PYTHON") {
        return p.into();
    }
    let venv = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    assert!(
        venv.exists(),
        "moto is needed: run `bash .ci/run` once, or create .venv (see README), or set ADQL_PYTHON"
    );
    venv
}

impl S3Server {
    /// Starts a server with bucket `bucket`.
    pub fn start(bucket: &str) -> S3Server {
        let script =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/s3_server.py");
        let mut child = Command::new(python())
            .arg(script)
            .arg(bucket)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the S3 test server starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("the S3 test server did not start ({e}): {line}"));
        let field = |k: &str| v[k].as_str().unwrap().to_string();
        S3Server {
            endpoint: field("endpoint"),
            key_id: field("key_id"),
            secret: field("secret"),
            bucket: field("bucket"),
            child,
        }
    }

    /// The `AWS_*` variables that reach this server with its key.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", self.key_id.clone()),
            ("AWS_SECRET_ACCESS_KEY", self.secret.clone()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ALLOW_HTTP", "true".into()),
        ]
    }

    /// `s3://bucket/prefix/`.
    pub fn url(&self, prefix: &str) -> String {
        format!("s3://{}/{prefix}/", self.bucket)
    }

    /// Stops the server now.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.stop();
    }
}
