//! Dataset IDs and the image store: which FITS file holds a dataset.
//!
//! An ID never becomes a path as given: only the UUID of a recognised ID form
//! (checked character by character) goes into the store's layout.

use std::path::{Path, PathBuf};

/// A dataset, known by the UUID in its ID.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DatasetId {
    /// The UUID, lower case, 8-4-4-4-12 hexadecimal digits.
    pub uuid: String,
}

/// Why an ID names no dataset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Empty or absurdly long: not an ID at all (DataLink's UsageFault).
    #[error("malformed ID: {0}")]
    Malformed(String),
    /// Well-formed, but no dataset has it (NotFoundFault).
    #[error("no dataset has the ID {0}")]
    NotFound(String),
}

/// Longest ID accepted.
const MAX_ID: usize = 1024;

impl DatasetId {
    /// The dataset of a Butler ID (`butler://dp02/UUID`) or a publisher DID
    /// (`ivo://org.rubinobs/usdac/dp02?repo=dp02&id=UUID`).
    pub fn parse(id: &str) -> Result<DatasetId, IdError> {
        if id.trim().is_empty() {
            return Err(IdError::Malformed("the ID is empty".into()));
        }
        if id.len() > MAX_ID {
            return Err(IdError::Malformed(format!(
                "the ID is {} bytes long; the most is {MAX_ID}",
                id.len()
            )));
        }
        let uuid = id
            .strip_prefix("butler://dp02/")
            .or_else(|| id.strip_prefix("ivo://org.rubinobs/usdac/dp02?repo=dp02&id="))
            .filter(|u| is_uuid(u))
            .ok_or_else(|| IdError::NotFound(printable(id)))?;
        Ok(DatasetId {
            uuid: uuid.to_ascii_lowercase(),
        })
    }

    /// The Butler form, `butler://dp02/UUID`.
    pub fn butler(&self) -> String {
        format!("butler://dp02/{}", self.uuid)
    }

    /// The publisher DID, as `obs_publisher_did` holds it.
    pub fn publisher_did(&self) -> String {
        format!("ivo://org.rubinobs/usdac/dp02?repo=dp02&id={}", self.uuid)
    }
}

/// An ID as it may be shown back: control characters escaped.
fn printable(id: &str) -> String {
    id.chars().flat_map(char::escape_debug).collect()
}

fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Where the FITS files are: a directory and a layout with `{uuid}`
/// (`{uuid}.fits`, or `{uuid2}/{uuid}.fits` to spread them over
/// subdirectories named by the UUID's first two digits).
#[derive(Debug, Clone)]
pub struct ImageStore {
    dir: PathBuf,
    layout: String,
}

impl ImageStore {
    /// The default layout.
    pub const DEFAULT_LAYOUT: &'static str = "{uuid}.fits";

    /// A store at `dir` with `layout`; the layout must name `{uuid}` and stay
    /// inside the directory.
    pub fn new(dir: impl Into<PathBuf>, layout: &str) -> Result<ImageStore, String> {
        if !layout.contains("{uuid}") {
            return Err(format!(
                "the image layout `{layout}` does not contain {{uuid}}"
            ));
        }
        if layout.starts_with('/') || layout.split('/').any(|part| part == "..") {
            return Err(format!(
                "the image layout `{layout}` leaves the image directory"
            ));
        }
        Ok(ImageStore {
            dir: dir.into(),
            layout: layout.to_string(),
        })
    }

    /// The store's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of `dataset` (which may not exist).
    pub fn path(&self, dataset: &DatasetId) -> PathBuf {
        let relative = self
            .layout
            .replace("{uuid2}", &dataset.uuid[..2])
            .replace("{uuid}", &dataset.uuid);
        self.dir.join(relative)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_in_both_forms_and_nothing_else() {
        let uuid = "20d28216-534a-4102-b8a7-1c7f32a9b78c";
        let a = DatasetId::parse(&format!("butler://dp02/{uuid}")).unwrap();
        let b = DatasetId::parse(&format!(
            "ivo://org.rubinobs/usdac/dp02?repo=dp02&id={uuid}"
        ))
        .unwrap();
        assert_eq!(a, b);
        assert_eq!(a.butler(), format!("butler://dp02/{uuid}"));
        for bad in [
            "butler://dp02/../../etc/passwd",
            "/etc/passwd",
            "butler://dp02/20d28216-534a-4102-b8a7-1c7f32a9b78c/../x",
            "butler://dp02/20d28216%2F..%2F",
            "butler://dp02/20d28216-534a-4102-b8a7-1c7f32a9b78\0",
            "butler%3A//dp02/20d28216-534a-4102-b8a7-1c7f32a9b78c",
        ] {
            assert!(
                matches!(DatasetId::parse(bad), Err(IdError::NotFound(_))),
                "{bad}"
            );
        }
        assert!(matches!(DatasetId::parse(""), Err(IdError::Malformed(_))));
        assert!(matches!(
            DatasetId::parse(&"x".repeat(2000)),
            Err(IdError::Malformed(_))
        ));
    }

    #[test]
    fn paths_stay_in_the_store() {
        let store = ImageStore::new("/data/images", "{uuid2}/{uuid}.fits").unwrap();
        let id = DatasetId::parse("butler://dp02/20d28216-534a-4102-b8a7-1c7f32a9b78c").unwrap();
        assert_eq!(
            store.path(&id),
            PathBuf::from("/data/images/20/20d28216-534a-4102-b8a7-1c7f32a9b78c.fits")
        );
        assert!(ImageStore::new("/d", "../{uuid}").is_err());
        assert!(ImageStore::new("/d", "/etc/{uuid}").is_err());
        assert!(ImageStore::new("/d", "fixed.fits").is_err());
    }
}
