//! VOSI 1.1 (capabilities with TAPRegExt, availability, tables) and DALI
//! examples: the documents clients read to learn what the service offers.

use std::sync::Arc;

use adql_output::Format;
use adql_syntax::Feature;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use obscore::model::ColumnDef;
use obscore::snapshot::TableMeta;

use crate::xml::{escape, iso};
use crate::{now_ms, Service};

pub(crate) fn xml(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], body).into_response()
}

/// The TAPRegExt ids of the output formats.
fn format_ivoid(format: Format) -> Option<&'static str> {
    match format {
        Format::Votable => Some("ivo://ivoa.net/std/TAPRegExt#output-votable-binary2"),
        Format::VotableTd => Some("ivo://ivoa.net/std/TAPRegExt#output-votable-td"),
        _ => None,
    }
}

/// `GET /capabilities`: TAP 1.1 with TAPRegExt, and the VOSI and examples
/// capabilities.
pub async fn capabilities(State(service): State<Arc<Service>>) -> Response {
    xml(capabilities_document(&service))
}

/// The capabilities document.
pub fn capabilities_document(service: &Service) -> String {
    let config = &service.config;
    let tap = escape(&config.tap_url());
    let security = if service.tokens.enabled() {
        "    <securityMethod standardID=\"ivo://ivoa.net/sso#token\"/>\n"
    } else {
        ""
    };
    let mut doc = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<vosi:capabilities xmlns:vosi=\"http://www.ivoa.net/xml/VOSICapabilities/v1.0\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:vr=\"http://www.ivoa.net/xml/VOResource/v1.0\" xmlns:vs=\"http://www.ivoa.net/xml/VODataService/v1.1\" xmlns:tr=\"http://www.ivoa.net/xml/TAPRegExt/v1.0\">\n",
    );
    doc.push_str(&format!(
        " <capability standardID=\"ivo://ivoa.net/std/TAP\" xsi:type=\"tr:TableAccess\">\n  <interface xsi:type=\"vs:ParamHTTP\" role=\"std\" version=\"1.1\">\n   <accessURL use=\"base\">{tap}</accessURL>\n{security}  </interface>\n"
    ));
    doc.push_str(
        "  <dataModel ivo-id=\"ivo://ivoa.net/std/ObsCore#core-1.1\">ObsCore-1.1</dataModel>\n",
    );
    doc.push_str("  <language>\n   <name>ADQL</name>\n   <version ivo-id=\"ivo://ivoa.net/std/ADQL#v2.0\">2.0</version>\n   <version ivo-id=\"ivo://ivoa.net/std/ADQL#v2.1\">2.1</version>\n   <description>ADQL 2.1 (REC 2023-12-15), with CASE as an extension, and ADQL 2.0 (REC 2008-10-30) under LANG=ADQL-2.0, where what 2.1 added (WITH, OFFSET, set operations, LOWER/UPPER/ILIKE, IN_UNIT, COALESCE, CAST, sorting and grouping by expression, 4-argument DISTANCE, geometries without a coordinate system or with point arguments) is refused; the features below are those of 2.1; queries are type-checked against the catalogue; the geometry functions are spherical (great circles, degrees, ICRS)</description>\n");
    // The UDF catalogue's functions the engine runs, with their catalogue signatures.
    doc.push_str("   <languageFeatures type=\"ivo://ivoa.net/std/TAPRegExt#features-udf\">\n");
    for signature in adql_syntax::functions::UDF_CATALOGUE {
        let name = signature.split('(').next().unwrap_or_default();
        if adql_engine::udf::CATALOGUE_FUNCTIONS_RUN.contains(&name) {
            doc.push_str(&format!(
                "    <feature>\n     <form>{}</form>\n     <description>from the IVOA UDF catalogue</description>\n    </feature>\n",
                escape(signature)
            ));
        }
    }
    doc.push_str("   </languageFeatures>\n");
    let enabled = &service.engine.options().check.features;
    let mut types: Vec<&str> = Vec::new();
    for f in Feature::ALL {
        let t = f.tapregext_type();
        // TAPRegExt 1.0 has no key for ADQL 2.1's conditional functions
        // (COALESCE): taplint refuses the 2.1 key, so it is not declared.
        if t.starts_with("ivo://") && !types.contains(&t) && f != Feature::Conditional {
            types.push(t);
        }
    }
    for t in types {
        let forms: Vec<String> = Feature::ALL
            .iter()
            .filter(|f| f.tapregext_type() == t && enabled.has(**f))
            .flat_map(|f| feature_forms(*f))
            .collect();
        if forms.is_empty() {
            continue;
        }
        doc.push_str(&format!("   <languageFeatures type=\"{t}\">\n"));
        for form in forms {
            doc.push_str(&format!("    <feature><form>{form}</form></feature>\n"));
        }
        doc.push_str("   </languageFeatures>\n");
    }
    doc.push_str("  </language>\n");
    for format in Format::TAP {
        match format_ivoid(format) {
            Some(id) => doc.push_str(&format!("  <outputFormat ivo-id=\"{id}\">\n")),
            None => doc.push_str("  <outputFormat>\n"),
        }
        doc.push_str(&format!("   <mime>{}</mime>\n", escape(format.mime_type())));
        for alias in format
            .aliases()
            .iter()
            .filter(|a| !a.contains('/') || **a == "votable/td")
        {
            doc.push_str(&format!("   <alias>{}</alias>\n", escape(alias)));
        }
        doc.push_str("  </outputFormat>\n");
    }
    doc.push_str("  <uploadMethod ivo-id=\"ivo://ivoa.net/std/TAPRegExt#upload-inline\"/>\n  <uploadMethod ivo-id=\"ivo://ivoa.net/std/TAPRegExt#upload-http\"/>\n  <uploadMethod ivo-id=\"ivo://ivoa.net/std/TAPRegExt#upload-https\"/>\n");
    let retention = config.retention.as_secs();
    let duration = config.query_timeout.as_secs();
    doc.push_str(&format!(
        "  <retentionPeriod>\n   <default>{retention}</default>\n   <hard>{retention}</hard>\n  </retentionPeriod>\n  <executionDuration>\n   <default>{duration}</default>\n   <hard>{duration}</hard>\n  </executionDuration>\n  <outputLimit>\n   <default unit=\"row\">{}</default>\n   <hard unit=\"row\">{}</hard>\n  </outputLimit>\n  <uploadLimit>\n   <hard unit=\"byte\">{}</hard>\n  </uploadLimit>\n </capability>\n",
        config.maxrec_default, config.maxrec_hard, config.upload_limit_bytes
    ));
    for (id, path) in [
        ("ivo://ivoa.net/std/VOSI#capabilities", "capabilities"),
        ("ivo://ivoa.net/std/VOSI#availability", "availability"),
        ("ivo://ivoa.net/std/VOSI#tables-1.1", "tables"),
        ("ivo://ivoa.net/std/DALI#examples", "examples"),
    ] {
        doc.push_str(&format!(
            " <capability standardID=\"{id}\">\n  <interface xsi:type=\"vs:ParamHTTP\">\n   <accessURL use=\"full\">{tap}/{path}</accessURL>\n  </interface>\n </capability>\n"
        ));
    }
    doc.push_str("</vosi:capabilities>\n");
    doc
}

/// The TAPRegExt `form`s of a feature: the functions or keywords it adds.
fn feature_forms(feature: Feature) -> Vec<String> {
    let forms: &[&str] = match feature {
        Feature::String => &["LOWER", "UPPER", "ILIKE"],
        Feature::Sets => &["UNION", "EXCEPT", "INTERSECT"],
        Feature::Type => &["CAST"],
        Feature::Conditional => &["COALESCE"],
        Feature::Unit => &["IN_UNIT"],
        Feature::Offset => &["OFFSET"],
        Feature::CommonTable => &["WITH"],
        f if Feature::GEOMETRY.contains(&f) => return vec![f.name().to_ascii_uppercase()],
        _ => &[],
    };
    forms.iter().map(|s| s.to_string()).collect()
}

/// `GET /availability`.
pub async fn availability() -> Response {
    xml(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<vosi:availability xmlns:vosi=\"http://www.ivoa.net/xml/VOSIAvailability/v1.0\">\n <vosi:available>true</vosi:available>\n <vosi:note>the service is accepting queries ({})</vosi:note>\n</vosi:availability>\n",
        iso(now_ms())
    ))
}

fn column_element(column: &ColumnDef) -> String {
    let mut out = format!(
        "   <column{}>\n    <name>{}</name>\n",
        if column.standard { " std=\"true\"" } else { "" },
        escape(&obscore::tap_schema::column_name(&column.name))
    );
    if !column.description.is_empty() {
        out.push_str(&format!(
            "    <description>{}</description>\n",
            escape(&column.description)
        ));
    }
    for (tag, value) in [
        ("unit", &column.unit),
        ("ucd", &column.ucd),
        ("utype", &column.utype),
    ] {
        if let Some(v) = value {
            out.push_str(&format!("    <{tag}>{}</{tag}>\n", escape(v)));
        }
    }
    let mut attributes = String::new();
    if let Some(size) = column.tap_arraysize() {
        attributes.push_str(&format!(" arraysize=\"{size}\""));
    }
    if let Some(x) = &column.xtype {
        attributes.push_str(&format!(" extendedType=\"{}\"", escape(x)));
    }
    out.push_str(&format!(
        "    <dataType xsi:type=\"vs:VOTableType\"{attributes}>{}</dataType>\n",
        column.tap_datatype()
    ));
    if column.indexed {
        out.push_str("    <flag>indexed</flag>\n");
    }
    out.push_str("   </column>\n");
    out
}

fn table_element(table: &TableMeta, with_columns: bool, indent: &str) -> String {
    let mut out = format!(
        "{indent}<table type=\"{}\">\n{indent} <name>{}</name>\n",
        "base_table",
        escape(&table.qualified_name())
    );
    if !table.description.is_empty() {
        out.push_str(&format!(
            "{indent} <description>{}</description>\n",
            escape(&table.description)
        ));
    }
    if with_columns {
        for c in &table.columns {
            out.push_str(&column_element(c));
        }
        for key in obscore::tap_schema::tap_schema_keys()
            .iter()
            .filter(|k| k.from_table.eq_ignore_ascii_case(&table.qualified_name()))
        {
            out.push_str(&format!(
                "{indent} <foreignKey>\n{indent}  <targetTable>{}</targetTable>\n",
                escape(&key.target_table)
            ));
            for (from, target) in &key.columns {
                out.push_str(&format!(
                    "{indent}  <fkColumn>\n{indent}   <fromColumn>{}</fromColumn>\n{indent}   <targetColumn>{}</targetColumn>\n{indent}  </fkColumn>\n",
                    escape(from),
                    escape(target)
                ));
            }
            out.push_str(&format!(
                "{indent}  <description>{}</description>\n{indent} </foreignKey>\n",
                escape(&key.description)
            ));
        }
    }
    out.push_str(&format!("{indent}</table>\n"));
    out
}

/// `GET /tables` (`detail=min`: tables without columns).
pub async fn tables(
    State(service): State<Arc<Service>>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let min = query
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("detail") && v.eq_ignore_ascii_case("min"));
    let metas: Vec<&TableMeta> = service
        .engine
        .catalogue()
        .tables()
        .iter()
        .map(|t| &t.meta)
        .collect();
    let mut schemas: Vec<&str> = Vec::new();
    for m in &metas {
        if !schemas.contains(&m.schema.as_str()) {
            schemas.push(&m.schema);
        }
    }
    let mut doc = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<vosi:tableset xmlns:vosi=\"http://www.ivoa.net/xml/VOSITables/v1.0\" xmlns:vs=\"http://www.ivoa.net/xml/VODataService/v1.1\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n",
    );
    for schema in schemas {
        doc.push_str(&format!(" <schema>\n  <name>{}</name>\n", escape(schema)));
        for m in metas.iter().filter(|m| m.schema == schema) {
            doc.push_str(&table_element(m, !min, "  "));
        }
        doc.push_str(" </schema>\n");
    }
    doc.push_str("</vosi:tableset>\n");
    xml(doc)
}

/// `GET /tables/{schema.table}`: one table with its columns.
pub async fn table(State(service): State<Arc<Service>>, Path(name): Path<String>) -> Response {
    let found = service
        .engine
        .catalogue()
        .tables()
        .iter()
        .map(|t| &t.meta)
        .find(|m| {
            m.qualified_name().eq_ignore_ascii_case(&name) || m.name.eq_ignore_ascii_case(&name)
        });
    match found {
        Some(m) => {
            let body = table_element(m, true, "");
            xml(format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}",
                body.replacen(
                    "<table ",
                    "<vosi:table xmlns:vosi=\"http://www.ivoa.net/xml/VOSITables/v1.0\" xmlns:vs=\"http://www.ivoa.net/xml/VODataService/v1.1\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" ",
                    1
                )
                .replace("</table>\n", "</vosi:table>\n")
            ))
        }
        None => (
            axum::http::StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("no table {}\n", name.chars().take(200).collect::<String>()),
        )
            .into_response(),
    }
}

/// The service's examples: the queries Rubin users run (`seed-queries.md`).
const EXAMPLES: &[(&str, &str, &str)] = &[
    ("schemas", "The schemas of this service", "SELECT * FROM tap_schema.schemas"),
    (
        "ivoa-tables",
        "The tables of the ivoa schema",
        "SELECT * FROM tap_schema.tables WHERE schema_name LIKE 'ivoa' ORDER BY table_index ASC",
    ),
    (
        "obscore-columns",
        "ObsCore's columns with their units, UCDs and utypes",
        "SELECT column_name, unit, ucd, description, utype FROM tap_schema.columns WHERE table_name = 'ivoa.ObsCore'",
    ),
    (
        "subtypes",
        "How many images of each data product subtype",
        "SELECT dataproduct_subtype, COUNT(*) FROM ivoa.ObsCore GROUP BY dataproduct_subtype",
    ),
    (
        "calib-levels",
        "How many images at each calibration level",
        "SELECT calib_level, COUNT(*) FROM ivoa.ObsCore GROUP BY calib_level",
    ),
    (
        "coadds-at-point",
        "The deep coadds that contain a position",
        "SELECT * FROM ivoa.ObsCore WHERE dataproduct_type = 'image' AND obs_collection = 'LSST.DP02' AND dataproduct_subtype = 'lsst.deepCoadd_calexp' AND CONTAINS(POINT('ICRS', 55.74673760481304, -32.286155241413624), s_region) = 1",
    ),
    (
        "tract-patch-band",
        "One coadd by tract, patch and band",
        "SELECT access_format, access_url, dataproduct_subtype, lsst_patch, lsst_tract, lsst_band, s_ra, s_dec FROM ivoa.ObsCore WHERE dataproduct_type = 'image' AND obs_collection = 'LSST.DP02' AND dataproduct_subtype = 'lsst.deepCoadd_calexp' AND lsst_tract = 4431 AND lsst_patch = 17 AND lsst_band = 'i'",
    ),
    (
        "cone",
        "Images centred within half a degree of a position",
        "SELECT obs_id, s_ra, s_dec, lsst_band FROM ivoa.ObsCore WHERE CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', 55.7467, -32.2862, 0.5)) = 1",
    ),
];

/// `GET /examples`: XHTML with RDFa (DALI 1.1 §2.3), absolute URLs.
pub async fn examples(State(service): State<Arc<Service>>) -> Response {
    let tap = escape(&service.config.tap_url());
    let mut doc = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\">\n<head>\n <title>Examples of {tap}</title>\n</head>\n<body vocab=\"http://www.ivoa.net/rdf/examples#\">\n <h1>Example queries</h1>\n"
    );
    for (id, name, query) in EXAMPLES {
        doc.push_str(&format!(
            " <div typeof=\"example\" id=\"{id}\" resource=\"#{id}\">\n  <h2 property=\"name\">{}</h2>\n  <pre property=\"query\">{}</pre>\n </div>\n",
            escape(name),
            escape(query)
        ));
    }
    doc.push_str("</body>\n</html>\n");
    (
        [(header::CONTENT_TYPE, "application/xhtml+xml; charset=utf-8")],
        doc,
    )
        .into_response()
}

/// `GET /api/tap`: where the service's resources are.
pub async fn root(State(service): State<Arc<Service>>) -> Response {
    let tap = service.config.tap_url();
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!(
            "adql-rs TAP 1.1 service.\nsync: {tap}/sync\nasync: {tap}/async\ncapabilities: {tap}/capabilities\ntables: {tap}/tables\nexamples: {tap}/examples\n"
        ),
    )
        .into_response()
}
