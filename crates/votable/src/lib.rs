//! # votable
//!
//! VOTable 1.4 for VO clients (pyvo, astropy, TOPCAT): a streaming writer from
//! Arrow record batches (TABLEDATA and BINARY2) with DALI xtypes, catalogue
//! metadata, QUERY_STATUS INFOs, OVERFLOW and error documents; and a reader of
//! TABLEDATA, BINARY and BINARY2 into Arrow with the FIELD metadata kept.
//!
//! Column metadata travels in Arrow field metadata under the keys [`types::UNIT`],
//! [`types::UCD`], [`types::UTYPE`], [`types::DESCRIPTION`] and [`types::XTYPE`].

#![warn(missing_docs)]

mod cells;
mod error;
pub mod reader;
pub mod types;
mod writer;

pub use error::{Result, VotableError};
pub use reader::{read, VotableReader};
pub use writer::{
    write_error_document, Info, Serialization, VotableWriter, WriterOptions, NAMESPACE,
};

/// The VOTable MIME type.
pub const MIME_TYPE: &str = "application/x-votable+xml";
