//! DataLink 1.1 `{links}` documents: a VOTable (TABLEDATA) of links per ID,
//! followed by the service descriptors the `#cutout` rows point at.

use std::fmt::Write;

/// One row of a links document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Link {
    /// The ID the row answers (as the client sent it).
    pub id: String,
    /// Where the linked resource is.
    pub access_url: Option<String>,
    /// The ID of a service descriptor in this document.
    pub service_def: Option<String>,
    /// Why there is no link (`NotFoundFault: …`, `UsageFault: …`).
    pub error_message: Option<String>,
    /// `#this`, `#cutout`, `#preview`, `#progenitor` …
    pub semantics: String,
    /// For people.
    pub description: Option<String>,
    /// MIME type of what the link gives.
    pub content_type: Option<String>,
    /// Size in bytes, where known.
    pub content_length: Option<u64>,
}

/// A SODA (or other) service descriptor: `RESOURCE type="meta" utype="adhoc:service"`.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceDescriptor {
    /// The RESOURCE's ID (`cutout-sync`).
    pub id: String,
    /// The service's standardID.
    pub standard_id: String,
    /// Where to send requests.
    pub access_url: String,
    /// The input parameters.
    pub params: Vec<InputParam>,
}

/// A PARAM of a descriptor's `inputParams` GROUP.
#[derive(Debug, Clone, PartialEq)]
pub struct InputParam {
    /// Its name.
    pub name: String,
    /// VOTable datatype.
    pub datatype: String,
    /// VOTable arraysize, if any.
    pub arraysize: Option<String>,
    /// DALI xtype (`circle`, `polygon`).
    pub xtype: Option<String>,
    /// Unit.
    pub unit: Option<String>,
    /// UCD.
    pub ucd: Option<String>,
    /// A fixed value (the dataset ID), or empty for the client to fill.
    pub value: String,
    /// A FIELD this PARAM takes its value from, row by row.
    pub reference: Option<String>,
    /// The range of sensible values, `VALUES/MAX` (the image's footprint).
    pub max: Option<String>,
    /// For people.
    pub description: String,
}

/// The MIME type of a links document.
pub const LINKS_CONTENT_TYPE: &str = "application/x-votable+xml;content=datalink";

/// `text` escaped for XML content and attribute values; characters XML 1.0
/// forbids become U+FFFD.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            // XML 1.0 cannot carry other control characters at all.
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

const FIELDS: &[(&str, &str, &str, &str)] = &[
    ("ID", "char", "meta.id;meta.main", "the ID this row answers"),
    (
        "access_url",
        "char",
        "meta.ref.url",
        "URL of the linked resource",
    ),
    (
        "service_def",
        "char",
        "meta.ref",
        "the service descriptor of a service link",
    ),
    (
        "error_message",
        "char",
        "meta.code.error",
        "why there is no link",
    ),
    (
        "semantics",
        "char",
        "meta.code",
        "what the link is, from the DataLink vocabulary",
    ),
    (
        "description",
        "char",
        "meta.note",
        "what the link is, for people",
    ),
    (
        "content_type",
        "char",
        "meta.code.mime",
        "MIME type of the linked resource",
    ),
    (
        "content_length",
        "long",
        "phys.size;meta.file",
        "size of the linked resource",
    ),
];

/// Writes a descriptor's RESOURCE.
pub fn write_descriptor(out: &mut String, d: &ServiceDescriptor) {
    let _ = writeln!(
        out,
        "<RESOURCE type=\"meta\" utype=\"adhoc:service\" ID=\"{}\">",
        escape(&d.id)
    );
    let _ = writeln!(
        out,
        "<PARAM name=\"standardID\" datatype=\"char\" arraysize=\"*\" value=\"{}\"/>",
        escape(&d.standard_id)
    );
    let _ = writeln!(
        out,
        "<PARAM name=\"accessURL\" datatype=\"char\" arraysize=\"*\" value=\"{}\"/>",
        escape(&d.access_url)
    );
    out.push_str("<GROUP name=\"inputParams\">\n");
    for p in &d.params {
        let _ = write!(
            out,
            "<PARAM name=\"{}\" datatype=\"{}\"",
            escape(&p.name),
            escape(&p.datatype)
        );
        for (attr, value) in [
            ("arraysize", &p.arraysize),
            ("xtype", &p.xtype),
            ("unit", &p.unit),
            ("ucd", &p.ucd),
            ("ref", &p.reference),
        ] {
            if let Some(v) = value {
                let _ = write!(out, " {attr}=\"{}\"", escape(v));
            }
        }
        let _ = write!(out, " value=\"{}\">", escape(&p.value));
        let _ = write!(out, "<DESCRIPTION>{}</DESCRIPTION>", escape(&p.description));
        if let Some(max) = &p.max {
            let _ = write!(out, "<VALUES><MAX value=\"{}\"/></VALUES>", escape(max));
        }
        out.push_str("</PARAM>\n");
    }
    out.push_str("</GROUP>\n</RESOURCE>\n");
}

/// The links document: the table of `links` (in the order given: each ID's
/// rows together), then `descriptors`.
pub fn links_document(links: &[Link], descriptors: &[ServiceDescriptor]) -> String {
    let mut out = String::with_capacity(1024 + 512 * links.len());
    out.push_str(concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
        "<VOTABLE version=\"1.4\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\" ",
        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n",
        "<RESOURCE type=\"results\">\n",
        "<INFO name=\"standardID\" value=\"ivo://ivoa.net/std/DataLink#links-1.1\"/>\n",
        "<TABLE>\n",
    ));
    for (name, datatype, ucd, description) in FIELDS {
        let _ = write!(
            out,
            "<FIELD name=\"{name}\" datatype=\"{datatype}\" ucd=\"{ucd}\""
        );
        if *datatype == "char" {
            out.push_str(" arraysize=\"*\"");
        }
        if *name == "content_length" {
            out.push_str(" unit=\"byte\"");
        }
        let _ = writeln!(out, "><DESCRIPTION>{description}</DESCRIPTION></FIELD>");
    }
    out.push_str("<DATA><TABLEDATA>\n");
    for l in links {
        out.push_str("<TR>");
        let cells = [
            Some(l.id.as_str()),
            l.access_url.as_deref(),
            l.service_def.as_deref(),
            l.error_message.as_deref(),
            Some(l.semantics.as_str()),
            l.description.as_deref(),
            l.content_type.as_deref(),
        ];
        for cell in cells {
            let _ = write!(out, "<TD>{}</TD>", escape(cell.unwrap_or("")));
        }
        match l.content_length {
            Some(n) => {
                let _ = write!(out, "<TD>{n}</TD>");
            }
            None => out.push_str("<TD/>"),
        }
        out.push_str("</TR>\n");
    }
    out.push_str("</TABLEDATA></DATA>\n</TABLE>\n</RESOURCE>\n");
    for d in descriptors {
        write_descriptor(&mut out, d);
    }
    out.push_str("</VOTABLE>\n");
    out
}
