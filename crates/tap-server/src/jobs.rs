//! Async jobs (UWS 1.1): the job record, the store behind a small trait, and
//! its SQLite implementation (WAL, one file under the data directory), so a
//! restart or a crash loses no job and no finished result.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension};

/// A UWS execution phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Created, not yet asked to run.
    Pending,
    /// Asked to run, waiting for a slot.
    Queued,
    /// Running.
    Executing,
    /// Finished with a result.
    Completed,
    /// Failed; the error is in `errorSummary` and at `error`.
    Error,
    /// Stopped by its owner.
    Aborted,
}

impl Phase {
    /// The UWS name.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Pending => "PENDING",
            Phase::Queued => "QUEUED",
            Phase::Executing => "EXECUTING",
            Phase::Completed => "COMPLETED",
            Phase::Error => "ERROR",
            Phase::Aborted => "ABORTED",
        }
    }

    /// The phase a UWS name means.
    pub fn from_name(name: &str) -> Option<Phase> {
        [
            Phase::Pending,
            Phase::Queued,
            Phase::Executing,
            Phase::Completed,
            Phase::Error,
            Phase::Aborted,
        ]
        .into_iter()
        .find(|p| p.name().eq_ignore_ascii_case(name))
    }

    /// Whether the job may still change phase by itself or be run.
    pub fn is_active(self) -> bool {
        matches!(self, Phase::Pending | Phase::Queued | Phase::Executing)
    }
}

/// A job's result file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobResult {
    /// Its MIME type.
    pub mime_type: String,
    /// Its rows.
    pub rows: u64,
    /// Whether MAXREC cut it.
    pub overflow: bool,
}

/// One async job.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// The unguessable id (32 hex digits).
    pub id: String,
    /// Which service's job it is.
    pub kind: JobKind,
    /// The client's RUNID, echoed.
    pub run_id: Option<String>,
    /// Who created it (none when auth is off).
    pub owner: Option<String>,
    /// Where it is.
    pub phase: Phase,
    /// Milliseconds since the Unix epoch.
    pub created_ms: i64,
    /// When it started executing.
    pub started_ms: Option<i64>,
    /// When it ended.
    pub ended_ms: Option<i64>,
    /// The most seconds it may run.
    pub execution_duration: u64,
    /// When it is deleted, ms since the epoch.
    pub destruction_ms: i64,
    /// The request's parameters, names upper-case, in order.
    pub parameters: Vec<(String, String)>,
    /// Names of the uploaded parts saved beside the job.
    pub upload_parts: Vec<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// What it wrote.
    pub result: Option<JobResult>,
}

/// The services whose jobs UWS keeps: each has its own job list and URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JobKind {
    /// A TAP query (`/api/tap/async`).
    #[default]
    Tap,
    /// A SODA cutout (`/api/cutout/async`).
    Cutout,
}

impl JobKind {
    /// Its name in the store.
    pub fn name(self) -> &'static str {
        match self {
            JobKind::Tap => "tap",
            JobKind::Cutout => "cutout",
        }
    }

    /// The kind named `name`.
    pub fn from_name(name: &str) -> Option<JobKind> {
        match name {
            "tap" => Some(JobKind::Tap),
            "cutout" => Some(JobKind::Cutout),
            _ => None,
        }
    }
}

/// Which jobs a listing shows (UWS 1.1 §2.2.3.1).
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    /// Only this service's jobs.
    pub kind: JobKind,
    /// Only these phases (none: all).
    pub phases: Vec<Phase>,
    /// Only jobs created after this instant (ms).
    pub after_ms: Option<i64>,
    /// Only the N most recently created.
    pub last: Option<u64>,
}

/// A failure of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("job database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored record does not read back.
    #[error("job database: a stored job is malformed: {0}")]
    Malformed(String),
}

/// Where jobs are kept. Calls are short (one row); implementations must be
/// safe to call from many requests at once.
pub trait JobStore: Send + Sync {
    /// Stores a new job.
    fn insert(&self, job: &Job) -> Result<(), StoreError>;
    /// The job `id`.
    fn get(&self, id: &str) -> Result<Option<Job>, StoreError>;
    /// Replaces the stored job with `job` (same id).
    fn update(&self, job: &Job) -> Result<(), StoreError>;
    /// Deletes `id`; false if it was not there.
    fn delete(&self, id: &str) -> Result<bool, StoreError>;
    /// The jobs of `owner` (every job when auth is off) passing `filter`,
    /// oldest first.
    fn list(&self, owner: Option<&str>, filter: &JobFilter) -> Result<Vec<Job>, StoreError>;
    /// Ids of jobs to destroy at `now_ms`.
    fn expired(&self, now_ms: i64) -> Result<Vec<String>, StoreError>;
    /// Ids of jobs that were queued or executing (to resume after a restart).
    fn interrupted(&self) -> Result<Vec<String>, StoreError>;
}

/// The SQLite job store.
pub struct SqliteJobStore {
    db: Mutex<Connection>,
}

impl SqliteJobStore {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<SqliteJobStore, StoreError> {
        let db = Connection::open(path)?;
        // WAL: readers never wait for the writer; NORMAL sync is durable across
        // process crashes (the OS has the pages), which is what a restart needs.
        db.pragma_update(None, "journal_mode", "WAL")?;
        db.pragma_update(None, "synchronous", "NORMAL")?;
        db.busy_timeout(std::time::Duration::from_secs(5))?;
        db.execute_batch(
            "CREATE TABLE IF NOT EXISTS jobs (
                id TEXT PRIMARY KEY,
                run_id TEXT,
                owner TEXT,
                phase TEXT NOT NULL,
                created_ms INTEGER NOT NULL,
                started_ms INTEGER,
                ended_ms INTEGER,
                execution_duration INTEGER NOT NULL,
                destruction_ms INTEGER NOT NULL,
                parameters TEXT NOT NULL,
                upload_parts TEXT NOT NULL,
                error TEXT,
                result_mime TEXT,
                result_rows INTEGER,
                result_overflow INTEGER
            );
            CREATE INDEX IF NOT EXISTS jobs_owner ON jobs (owner, created_ms);
            CREATE INDEX IF NOT EXISTS jobs_destruction ON jobs (destruction_ms);",
        )?;
        // Stores made before SODA jobs existed hold TAP jobs only.
        let has_kind = db
            .prepare("SELECT 1 FROM pragma_table_info('jobs') WHERE name = 'kind'")?
            .exists([])?;
        if !has_kind {
            db.execute_batch("ALTER TABLE jobs ADD COLUMN kind TEXT NOT NULL DEFAULT 'tap'")?;
        }
        Ok(SqliteJobStore { db: Mutex::new(db) })
    }

    fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves the connection usable.
        self.db.lock().unwrap_or_else(|p| p.into_inner())
    }
}

const COLUMNS: &str = "id, run_id, owner, phase, created_ms, started_ms, ended_ms, execution_duration, destruction_ms, parameters, upload_parts, error, result_mime, result_rows, result_overflow, kind";

fn row_to_job(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Job, StoreError>> {
    let phase: String = row.get(3)?;
    let parameters: String = row.get(9)?;
    let parts: String = row.get(10)?;
    let result_mime: Option<String> = row.get(12)?;
    let kind: String = row.get(15)?;
    let build = || -> Result<Job, StoreError> {
        Ok(Job {
            id: row.get(0)?,
            kind: JobKind::from_name(&kind)
                .ok_or_else(|| StoreError::Malformed(format!("job kind {kind}")))?,
            run_id: row.get(1)?,
            owner: row.get(2)?,
            phase: Phase::from_name(&phase)
                .ok_or_else(|| StoreError::Malformed(format!("phase {phase}")))?,
            created_ms: row.get(4)?,
            started_ms: row.get(5)?,
            ended_ms: row.get(6)?,
            execution_duration: row.get::<_, i64>(7)?.max(0) as u64,
            destruction_ms: row.get(8)?,
            parameters: serde_json::from_str(&parameters)
                .map_err(|e| StoreError::Malformed(e.to_string()))?,
            upload_parts: serde_json::from_str(&parts)
                .map_err(|e| StoreError::Malformed(e.to_string()))?,
            error: row.get(11)?,
            result: match result_mime {
                Some(mime_type) => Some(JobResult {
                    mime_type,
                    rows: row.get::<_, Option<i64>>(13)?.unwrap_or(0).max(0) as u64,
                    overflow: row.get::<_, Option<i64>>(14)?.unwrap_or(0) != 0,
                }),
                None => None,
            },
        })
    };
    Ok(build())
}

fn write_params(job: &Job) -> Vec<Box<dyn rusqlite::ToSql + '_>> {
    vec![
        Box::new(&job.id),
        Box::new(&job.run_id),
        Box::new(&job.owner),
        Box::new(job.phase.name()),
        Box::new(job.created_ms),
        Box::new(job.started_ms),
        Box::new(job.ended_ms),
        Box::new(job.execution_duration as i64),
        Box::new(job.destruction_ms),
        Box::new(serde_json::to_string(&job.parameters).expect("strings serialise")),
        Box::new(serde_json::to_string(&job.upload_parts).expect("strings serialise")),
        Box::new(&job.error),
        Box::new(job.result.as_ref().map(|r| r.mime_type.clone())),
        Box::new(job.result.as_ref().map(|r| r.rows as i64)),
        Box::new(job.result.as_ref().map(|r| r.overflow as i64)),
        Box::new(job.kind.name()),
    ]
}

impl JobStore for SqliteJobStore {
    fn insert(&self, job: &Job) -> Result<(), StoreError> {
        let values = write_params(job);
        self.db().execute(
            &format!("INSERT INTO jobs ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"),
            rusqlite::params_from_iter(values.iter().map(|b| b.as_ref())),
        )?;
        Ok(())
    }

    fn get(&self, id: &str) -> Result<Option<Job>, StoreError> {
        let db = self.db();
        let job = db
            .query_row(
                &format!("SELECT {COLUMNS} FROM jobs WHERE id = ?1"),
                params![id],
                row_to_job,
            )
            .optional()?;
        job.transpose()
    }

    fn update(&self, job: &Job) -> Result<(), StoreError> {
        let values = write_params(job);
        self.db().execute(
            "UPDATE jobs SET run_id = ?2, owner = ?3, phase = ?4, created_ms = ?5, started_ms = ?6, ended_ms = ?7,
             execution_duration = ?8, destruction_ms = ?9, parameters = ?10, upload_parts = ?11, error = ?12,
             result_mime = ?13, result_rows = ?14, result_overflow = ?15, kind = ?16 WHERE id = ?1",
            rusqlite::params_from_iter(values.iter().map(|b| b.as_ref())),
        )?;
        Ok(())
    }

    fn delete(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self
            .db()
            .execute("DELETE FROM jobs WHERE id = ?1", params![id])?
            > 0)
    }

    fn list(&self, owner: Option<&str>, filter: &JobFilter) -> Result<Vec<Job>, StoreError> {
        let db = self.db();
        let mut statement = db.prepare(&format!(
            "SELECT {COLUMNS} FROM jobs WHERE (?1 IS NULL OR owner = ?1) AND (?2 IS NULL OR created_ms > ?2)
             AND kind = ?3 ORDER BY created_ms DESC, id"
        ))?;
        let rows = statement.query_map(
            params![owner, filter.after_ms, filter.kind.name()],
            row_to_job,
        )?;
        let mut jobs = Vec::new();
        for row in rows {
            let job = row??;
            if filter.phases.is_empty() || filter.phases.contains(&job.phase) {
                jobs.push(job);
            }
        }
        if let Some(last) = filter.last {
            jobs.truncate(last as usize);
        }
        jobs.reverse();
        Ok(jobs)
    }

    fn expired(&self, now_ms: i64) -> Result<Vec<String>, StoreError> {
        let db = self.db();
        let mut statement = db.prepare("SELECT id FROM jobs WHERE destruction_ms <= ?1")?;
        let ids = statement
            .query_map(params![now_ms], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(ids)
    }

    fn interrupted(&self) -> Result<Vec<String>, StoreError> {
        let db = self.db();
        let mut statement = db.prepare(
            "SELECT id FROM jobs WHERE phase IN ('QUEUED', 'EXECUTING') ORDER BY created_ms",
        )?;
        let ids = statement
            .query_map([], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(ids)
    }
}

/// A new unguessable job id: 128 random bits as hex.
pub fn new_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS gives random bytes");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `id` has the form of a job id (so it is safe in a path).
pub fn is_job_id(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(id: &str, owner: Option<&str>, created_ms: i64) -> Job {
        Job {
            id: id.into(),
            kind: JobKind::Tap,
            run_id: Some("r".into()),
            owner: owner.map(String::from),
            phase: Phase::Pending,
            created_ms,
            started_ms: None,
            ended_ms: None,
            execution_duration: 600,
            destruction_ms: created_ms + 1000,
            parameters: vec![("QUERY".into(), "SELECT 1".into())],
            upload_parts: vec![],
            error: None,
            result: None,
        }
    }

    #[test]
    fn jobs_survive_reopening_and_filter() {
        let dir = std::env::temp_dir().join(format!("tap-jobs-{}", new_id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("jobs.sqlite");
        {
            let store = SqliteJobStore::open(&path).unwrap();
            store.insert(&job("a", Some("alice"), 10)).unwrap();
            store.insert(&job("b", Some("bob"), 20)).unwrap();
            let mut c = job("c", Some("alice"), 30);
            c.phase = Phase::Completed;
            c.result = Some(JobResult {
                mime_type: "text/csv".into(),
                rows: 3,
                overflow: true,
            });
            store.insert(&c).unwrap();
        }
        let store = SqliteJobStore::open(&path).unwrap();
        let c = store.get("c").unwrap().unwrap();
        assert_eq!(c.result.as_ref().unwrap().rows, 3);
        assert_eq!(
            c.parameters,
            vec![("QUERY".to_string(), "SELECT 1".to_string())]
        );
        let alice = store.list(Some("alice"), &JobFilter::default()).unwrap();
        assert_eq!(
            alice.iter().map(|j| j.id.as_str()).collect::<Vec<_>>(),
            ["a", "c"]
        );
        let completed = JobFilter {
            phases: vec![Phase::Completed],
            ..Default::default()
        };
        assert_eq!(store.list(None, &completed).unwrap().len(), 1);
        let last = JobFilter {
            last: Some(1),
            ..Default::default()
        };
        assert_eq!(store.list(None, &last).unwrap()[0].id, "c");
        let after = JobFilter {
            after_ms: Some(15),
            ..Default::default()
        };
        assert_eq!(store.list(None, &after).unwrap().len(), 2);
        assert_eq!(store.expired(1015).unwrap(), ["a"]);
        assert!(store.delete("a").unwrap());
        assert!(store.get("a").unwrap().is_none());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn ids_are_unguessable_and_checked() {
        let a = new_id();
        assert!(is_job_id(&a));
        assert_ne!(a, new_id());
        for bad in [
            "",
            "../etc/passwd",
            "ABCDEF0123456789ABCDEF0123456789",
            "a%2e%2e",
        ] {
            assert!(!is_job_id(bad), "{bad}");
        }
    }
}
