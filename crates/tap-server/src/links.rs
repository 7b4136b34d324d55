//! Results that lead to this service's DataLink: ObsCore's `access_url`
//! rewritten from the archive the snapshot came from to this service, and the
//! DataLink service descriptor that pyvo's `iter_datalinks` follows.

use std::sync::Arc;

use arrow::array::{ArrayRef, AsArray, RecordBatch, StringArray};
use arrow::datatypes::{DataType, SchemaRef};

use crate::error::TapError;

/// What marks a DataLink URL in a stored `access_url`.
const LINKS_PATH: &str = "/api/datalink/links?";

/// The link decoration of one result.
pub struct ResultLinks {
    base: String,
    access_url: Option<usize>,
    did: Option<usize>,
}

impl ResultLinks {
    /// For a result of `schema` served at `base`.
    pub fn new(base: &str, schema: &SchemaRef) -> ResultLinks {
        let column = |name: &str| {
            schema.fields().iter().position(|f| {
                f.name() == name
                    && matches!(
                        f.data_type(),
                        DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8
                    )
            })
        };
        ResultLinks {
            base: base.trim_end_matches('/').to_string(),
            access_url: column("access_url"),
            did: column("obs_publisher_did"),
        }
    }

    /// `batch` with its `access_url` values pointing at this service.
    pub fn rewrite(&self, batch: RecordBatch) -> Result<RecordBatch, TapError> {
        let Some(i) = self.access_url else {
            return Ok(batch);
        };
        let internal = |e: arrow::error::ArrowError| TapError::Internal(e.to_string());
        let original = batch.column(i);
        let text = arrow::compute::cast(original, &DataType::Utf8).map_err(internal)?;
        let rewritten: StringArray = text
            .as_string::<i32>()
            .iter()
            .map(|v| {
                v.map(|url| match url.find(LINKS_PATH) {
                    Some(at) => format!("{}{}", self.base, &url[at..]),
                    None => url.to_string(),
                })
            })
            .collect();
        let back: ArrayRef =
            arrow::compute::cast(&(Arc::new(rewritten) as ArrayRef), original.data_type())
                .map_err(internal)?;
        let mut columns = batch.columns().to_vec();
        columns[i] = back;
        RecordBatch::try_new(batch.schema(), columns).map_err(internal)
    }

    /// The FIELD ID and the DataLink descriptor, when the result has the
    /// publisher DID.
    pub fn extras(&self) -> adql_output::VotableExtras {
        let Some(did) = self.did else {
            return adql_output::VotableExtras::default();
        };
        let base = crate::xml::escape(&self.base);
        adql_output::VotableExtras {
            field_ids: vec![(did, "obs_publisher_did".into())],
            trailer: format!(
                "<RESOURCE type=\"meta\" utype=\"adhoc:service\" ID=\"datalink\">\n\
                 <PARAM name=\"standardID\" datatype=\"char\" arraysize=\"*\" value=\"ivo://ivoa.net/std/DataLink#links-1.1\"/>\n\
                 <PARAM name=\"accessURL\" datatype=\"char\" arraysize=\"*\" value=\"{base}/api/datalink/links\"/>\n\
                 <GROUP name=\"inputParams\">\n\
                 <PARAM name=\"ID\" datatype=\"char\" arraysize=\"*\" ucd=\"meta.id;meta.main\" ref=\"obs_publisher_did\" value=\"\"/>\n\
                 </GROUP>\n\
                 </RESOURCE>\n"
            ),
        }
    }
}

impl std::fmt::Debug for ResultLinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResultLinks")
            .field("access_url", &self.access_url)
            .field("did", &self.did)
            .finish()
    }
}
