//! # adql-output
//!
//! The output stage: a query's record batches written in the format a user or a
//! TAP client asked for — VOTable (BINARY2 or TABLEDATA), CSV, TSV, JSON,
//! Parquet, or an aligned text table — one batch at a time, so that memory
//! holds one batch whatever the size of the result (except the text table,
//! which aligns its columns over the whole result and is meant for terminals).
//!
//! [`Format`] knows each format's MIME type and the names TAP clients use for it
//! in `RESPONSEFORMAT`; [`ResultWriter`] writes; [`RowLimit`] cuts a stream of
//! batches at MAXREC and says whether more rows existed.

#![warn(missing_docs)]

use std::io::Write;

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use thiserror::Error;

/// What can go wrong while writing a result.
#[derive(Debug, Error)]
pub enum OutputError {
    /// Arrow could not write (CSV, JSON, the text table).
    #[error("{0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// Parquet could not write.
    #[error("{0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    /// The VOTable writer failed.
    #[error("{0}")]
    Votable(#[from] votable::VotableError),
    /// The output failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// A shorthand for results of this crate.
pub type Result<T, E = OutputError> = std::result::Result<T, E>;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// An aligned text table with the row count (terminals).
    Table,
    /// RFC 4180 CSV with a header row.
    Csv,
    /// Tab-separated values with a header row.
    Tsv,
    /// A JSON array of objects with typed values.
    Json,
    /// Apache Parquet.
    Parquet,
    /// VOTable 1.4, BINARY2 serialisation (the TAP default).
    Votable,
    /// VOTable 1.4, TABLEDATA serialisation.
    VotableTd,
}

impl Format {
    /// The formats a TAP service offers, the default first.
    pub const TAP: [Format; 6] = [
        Format::Votable,
        Format::VotableTd,
        Format::Csv,
        Format::Tsv,
        Format::Json,
        Format::Parquet,
    ];

    /// The name `adql query --format` takes.
    pub fn cli_name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Json => "json",
            Format::Parquet => "parquet",
            Format::Votable => "votable",
            Format::VotableTd => "votable-td",
        }
    }

    /// The format `adql query --format NAME` names.
    pub fn from_cli_name(name: &str) -> Option<Format> {
        [Format::Table]
            .into_iter()
            .chain(Format::TAP)
            .find(|f| f.cli_name() == name)
    }

    /// The MIME type of a response in this format.
    pub fn mime_type(self) -> &'static str {
        match self {
            Format::Table => "text/plain; charset=utf-8",
            Format::Csv => "text/csv;header=present",
            Format::Tsv => "text/tab-separated-values",
            Format::Json => "application/json",
            Format::Parquet => "application/vnd.apache.parquet",
            Format::Votable => votable::Serialization::Binary2.mime_type(),
            Format::VotableTd => votable::Serialization::TableData.mime_type(),
        }
    }

    /// The short names TAP clients send in `RESPONSEFORMAT` (TAP 1.1 §2.7.1 and
    /// common usage), besides the MIME type.
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Format::Table => &["table", "text"],
            Format::Csv => &["csv", "text/csv"],
            Format::Tsv => &["tsv", "text/tsv"],
            Format::Json => &["json"],
            Format::Parquet => &["parquet", "application/x-parquet"],
            Format::Votable => &[
                "votable",
                "vot",
                "votable/b2",
                "binary2",
                "application/x-votable+xml",
                "text/xml",
            ],
            Format::VotableTd => &["votable/td", "votabletd", "tabledata"],
        }
    }

    /// The TAP format `RESPONSEFORMAT` (or `FORMAT`) names: a MIME type (MIME
    /// parameters and letter case ignored where they do not choose the
    /// serialisation) or a short alias.
    pub fn from_response_format(value: &str) -> Option<Format> {
        let wanted: String = value
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        for f in Format::TAP {
            if f.mime_type().replace(' ', "").eq_ignore_ascii_case(&wanted)
                || f.aliases().iter().any(|a| *a == wanted)
            {
                return Some(f);
            }
        }
        // A MIME type with parameters we do not distinguish (`text/csv;charset=…`).
        let base = wanted.split(';').next().unwrap_or_default();
        if wanted.starts_with("application/x-votable+xml") && wanted.contains("tabledata") {
            return Some(Format::VotableTd);
        }
        Format::TAP
            .into_iter()
            .find(|f| f.mime_type().split(';').next() == Some(base))
    }
}

/// Writes one result in one format, batch by batch.
pub struct ResultWriter<W: Write> {
    sink: Sink<W>,
    rows: u64,
}

enum Sink<W: Write> {
    Table(Vec<RecordBatch>, W),
    Csv(arrow::csv::Writer<W>),
    Json(arrow::json::ArrayWriter<W>),
    Parquet(parquet::arrow::ArrowWriter<W>),
    Votable(votable::VotableWriter<W>),
}

/// What a VOTable result may carry beyond its table: `ID`s on FIELDs (by
/// column index) and RESOURCEs after the results (service descriptors).
#[derive(Debug, Clone, Default)]
pub struct VotableExtras {
    /// FIELD IDs by column index.
    pub field_ids: Vec<(usize, String)>,
    /// Well-formed XML placed after the results RESOURCE.
    pub trailer: String,
}

impl<W: Write + Send> ResultWriter<W> {
    /// Starts a result of `schema` in `format`; `infos` go into a VOTable after
    /// its `QUERY_STATUS` (other formats have no place for them).
    pub fn new(
        format: Format,
        schema: &SchemaRef,
        out: W,
        infos: Vec<votable::Info>,
    ) -> Result<ResultWriter<W>> {
        ResultWriter::with_extras(format, schema, out, infos, VotableExtras::default())
    }

    /// As [`ResultWriter::new`], with FIELD IDs and trailing RESOURCEs for a
    /// VOTable (other formats have no place for them).
    pub fn with_extras(
        format: Format,
        schema: &SchemaRef,
        out: W,
        infos: Vec<votable::Info>,
        extras: VotableExtras,
    ) -> Result<ResultWriter<W>> {
        let sink = match format {
            Format::Table => Sink::Table(Vec::new(), out),
            Format::Csv => Sink::Csv(with_header(
                arrow::csv::WriterBuilder::new()
                    .with_header(true)
                    .build(out),
                &arrays_as_text_schema(schema),
            )?),
            Format::Tsv => Sink::Csv(with_header(
                arrow::csv::WriterBuilder::new()
                    .with_header(true)
                    .with_delimiter(b'\t')
                    .build(out),
                &arrays_as_text_schema(schema),
            )?),
            Format::Json => Sink::Json(arrow::json::ArrayWriter::new(out)),
            Format::Parquet => Sink::Parquet(parquet::arrow::ArrowWriter::try_new(
                out,
                schema.clone(),
                None,
            )?),
            Format::Votable | Format::VotableTd => {
                let options = votable::WriterOptions {
                    serialization: if format == Format::Votable {
                        votable::Serialization::Binary2
                    } else {
                        votable::Serialization::TableData
                    },
                    infos,
                    field_ids: extras.field_ids,
                    trailer: extras.trailer,
                    ..Default::default()
                };
                Sink::Votable(votable::VotableWriter::new(out, schema, &options)?)
            }
        };
        Ok(ResultWriter { sink, rows: 0 })
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Writes the rows of one batch.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        match &mut self.sink {
            Sink::Table(batches, _) => batches.push(batch.clone()),
            Sink::Csv(w) => w.write(&arrays_as_text(batch)?)?,
            Sink::Json(w) => w.write(batch)?,
            Sink::Parquet(w) => w.write(batch)?,
            Sink::Votable(w) => w.write_batch(batch)?,
        }
        self.rows += batch.num_rows() as u64;
        Ok(())
    }

    /// Ends the result; `overflow` says it was cut at MAXREC (a VOTable then
    /// carries `QUERY_STATUS` `OVERFLOW` after the table; the text table says
    /// so under it). Returns the output, flushed.
    pub fn finish(self, overflow: bool) -> Result<W> {
        self.close(None, overflow)
    }

    /// Ends a result that failed part-way: a VOTable keeps its rows and says
    /// `QUERY_STATUS` `ERROR` with `message` after the table; the other formats
    /// have no place for it and just end (the caller reports the error).
    pub fn finish_error(self, message: &str) -> Result<W> {
        self.close(Some(message), false)
    }

    /// Closes the output: complete (`error` none), or after a failure.
    fn close(self, error: Option<&str>, overflow: bool) -> Result<W> {
        let rows = self.rows;
        let mut out = match self.sink {
            Sink::Table(_, out) if error.is_some() => out,
            Sink::Table(batches, mut out) => {
                if !batches.is_empty() {
                    writeln!(
                        out,
                        "{}",
                        arrow::util::pretty::pretty_format_batches(&batches)?
                    )?;
                }
                writeln!(
                    out,
                    "({rows} row{}{})",
                    if rows == 1 { "" } else { "s" },
                    if overflow {
                        ", truncated at --maxrec"
                    } else {
                        ""
                    }
                )?;
                out
            }
            Sink::Csv(w) => w.into_inner(),
            Sink::Json(mut w) => {
                // A failed result's array stays open: no reader takes it as whole.
                if error.is_none() {
                    w.finish()?;
                }
                w.into_inner()
            }
            Sink::Parquet(w) => w.into_inner()?,
            Sink::Votable(w) => match error {
                Some(message) => w.finish_error(message)?,
                None => w.finish(overflow)?,
            },
        };
        out.flush()?;
        Ok(out)
    }
}

/// Cuts a stream of batches at MAXREC. A result is "overflowed" only when a row
/// beyond the limit exists: the limit's batch is looked past for one more row.
#[derive(Debug, Clone, Copy)]
pub struct RowLimit {
    max: Option<u64>,
    seen: u64,
    overflow: bool,
}

impl RowLimit {
    /// At most `max` rows (`None`: no limit).
    pub fn new(max: Option<u64>) -> RowLimit {
        RowLimit {
            max,
            seen: 0,
            overflow: false,
        }
    }

    /// The part of `batch` within the limit, and whether the stream must stop
    /// (the limit was passed: overflow).
    pub fn take(&mut self, batch: RecordBatch) -> (RecordBatch, bool) {
        let Some(max) = self.max else {
            self.seen += batch.num_rows() as u64;
            return (batch, false);
        };
        let room = max.saturating_sub(self.seen);
        if (batch.num_rows() as u64) > room {
            self.overflow = true;
            self.seen = max;
            (batch.slice(0, room as usize), true)
        } else {
            self.seen += batch.num_rows() as u64;
            (batch, false)
        }
    }

    /// Whether rows beyond the limit were found.
    pub fn overflowed(&self) -> bool {
        self.overflow
    }

    /// Whether the limit is reached: a further non-empty batch overflows.
    pub fn is_full(&self) -> bool {
        self.max.is_some_and(|m| self.seen >= m)
    }
}

fn is_array(t: &DataType) -> bool {
    matches!(
        t,
        DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(_, _)
    )
}

/// `schema` with array columns as text, the form CSV gives them.
fn arrays_as_text_schema(schema: &SchemaRef) -> SchemaRef {
    if !schema.fields().iter().any(|f| is_array(f.data_type())) {
        return schema.clone();
    }
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| {
            if is_array(f.data_type()) {
                Field::new(f.name(), DataType::Utf8, true)
            } else {
                f.as_ref().clone()
            }
        })
        .collect();
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

/// The batch with each array value (`ivo_epoch_prop`'s six numbers, a
/// histogram's counts) written as DALI writes arrays: values separated by
/// spaces (CSV has no arrays; arrow's writer refuses them).
fn arrays_as_text(batch: &RecordBatch) -> Result<RecordBatch> {
    if !batch
        .schema()
        .fields()
        .iter()
        .any(|f| is_array(f.data_type()))
    {
        return Ok(batch.clone());
    }
    let options = arrow::util::display::FormatOptions::default().with_null("");
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(batch.num_columns());
    for column in batch.columns() {
        if !is_array(column.data_type()) {
            columns.push(column.clone());
            continue;
        }
        let mut text: Vec<Option<String>> = Vec::with_capacity(column.len());
        for row in 0..column.len() {
            if column.is_null(row) {
                text.push(None);
                continue;
            }
            let values = match column.data_type() {
                DataType::List(_) => column.as_list::<i32>().value(row),
                DataType::LargeList(_) => column.as_list::<i64>().value(row),
                _ => column.as_fixed_size_list().value(row),
            };
            let formatter = arrow::util::display::ArrayFormatter::try_new(&values, &options)?;
            let items: Vec<String> = (0..values.len())
                .map(|i| {
                    // DALI has no NULL inside an array: NaN stands for one.
                    if values.is_null(i) {
                        "NaN".to_string()
                    } else {
                        formatter.value(i).to_string()
                    }
                })
                .collect();
            text.push(Some(items.join(" ")));
        }
        columns.push(Arc::new(StringArray::from(text)));
    }
    Ok(RecordBatch::try_new(
        arrays_as_text_schema(&batch.schema()),
        columns,
    )?)
}

/// A CSV/TSV writer that has written its header line: arrow's writes it with
/// the first batch, so a result with no rows would otherwise be empty text.
fn with_header<W: Write>(
    mut writer: arrow::csv::Writer<W>,
    schema: &SchemaRef,
) -> Result<arrow::csv::Writer<W>> {
    writer.write(&RecordBatch::new_empty(schema.clone()))?;
    Ok(writer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use arrow::array::Int64Array;
    use arrow::datatypes::{DataType, Field, Schema};

    fn batch(n: i64) -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![Field::new("x", DataType::Int64, false)]));
        RecordBatch::try_new(schema, vec![Arc::new(Int64Array::from_iter_values(0..n))]).unwrap()
    }

    #[test]
    fn response_formats_by_mime_type_and_alias() {
        assert_eq!(
            Format::from_response_format("application/x-votable+xml"),
            Some(Format::Votable)
        );
        assert_eq!(
            Format::from_response_format("application/x-votable+xml;serialization=TABLEDATA"),
            Some(Format::VotableTd)
        );
        assert_eq!(
            Format::from_response_format("application/x-votable+xml; serialization=tabledata"),
            Some(Format::VotableTd)
        );
        assert_eq!(Format::from_response_format("CSV"), Some(Format::Csv));
        assert_eq!(
            Format::from_response_format("text/csv; charset=utf-8"),
            Some(Format::Csv)
        );
        assert_eq!(
            Format::from_response_format("text/tab-separated-values"),
            Some(Format::Tsv)
        );
        assert_eq!(
            Format::from_response_format("votable/td"),
            Some(Format::VotableTd)
        );
        assert_eq!(Format::from_response_format("fits"), None);
        for f in Format::TAP {
            assert_eq!(Format::from_response_format(f.mime_type()), Some(f));
            assert_eq!(Format::from_cli_name(f.cli_name()), Some(f));
        }
    }

    #[test]
    fn row_limit_overflows_only_past_the_limit() {
        let mut limit = RowLimit::new(Some(5));
        let (b, stop) = limit.take(batch(5));
        assert_eq!((b.num_rows(), stop), (5, false));
        assert!(limit.is_full() && !limit.overflowed());
        let (b, stop) = limit.take(batch(3));
        assert_eq!((b.num_rows(), stop), (0, true));
        assert!(limit.overflowed());

        let mut limit = RowLimit::new(Some(0));
        let (b, stop) = limit.take(batch(1));
        assert_eq!((b.num_rows(), stop), (0, true));

        let mut unlimited = RowLimit::new(None);
        assert!(!unlimited.take(batch(10)).1 && !unlimited.is_full());
    }

    #[test]
    fn an_empty_csv_or_tsv_result_still_has_its_header() {
        let schema = batch(1).schema();
        for (format, header) in [(Format::Csv, ","), (Format::Tsv, "\t")] {
            let w = ResultWriter::new(format, &schema, Vec::new(), vec![]).unwrap();
            let text = String::from_utf8(w.finish(false).unwrap()).unwrap();
            let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            assert_eq!(text, format!("{}\n", names.join(header)));
        }
    }

    #[test]
    fn csv_and_votable_write_batches() {
        let b = batch(3);
        let mut w = ResultWriter::new(Format::Csv, &b.schema(), Vec::new(), vec![]).unwrap();
        w.write(&b).unwrap();
        assert_eq!(
            String::from_utf8(w.finish(false).unwrap()).unwrap(),
            "x\n0\n1\n2\n"
        );
        let mut w = ResultWriter::new(Format::VotableTd, &b.schema(), Vec::new(), vec![]).unwrap();
        w.write(&b).unwrap();
        let doc = String::from_utf8(w.finish(true).unwrap()).unwrap();
        assert!(doc.contains("<TD>2</TD>"));
        assert!(doc.trim_end().ends_with("</VOTABLE>"));
        assert!(doc.contains(r#"<INFO name="QUERY_STATUS" value="OVERFLOW"/>"#));
    }

    #[test]
    fn csv_writes_arrays_as_dali_does() {
        use arrow::array::ListArray;
        use arrow::datatypes::Int64Type;
        let counts = ListArray::from_iter_primitive::<Int64Type, _, _>(vec![
            Some(vec![Some(1), None, Some(3)]),
            None,
            Some(vec![]),
        ]);
        let schema = Arc::new(Schema::new(vec![Field::new(
            "h",
            counts.data_type().clone(),
            true,
        )]));
        let b = RecordBatch::try_new(schema.clone(), vec![Arc::new(counts)]).unwrap();
        let mut w = ResultWriter::new(Format::Csv, &schema, Vec::new(), vec![]).unwrap();
        w.write(&b).unwrap();
        assert_eq!(
            String::from_utf8(w.finish(false).unwrap()).unwrap(),
            // NULL and the empty array alike: an empty field (quoted, the
            // only column).
            "h\n1 NaN 3\n\"\"\n\"\"\n"
        );
    }
}
