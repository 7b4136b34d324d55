//! ADQL 2.1 reserved words (SQL-92 and ADQL's own): they are identifiers only
//! when delimited (`"size"`).

/// The reserved words of ADQL 2.1 §2.1.2, upper case, sorted.
pub const RESERVED_WORDS: &[&str] = &[
    "ABS", "ABSOLUTE", "ACOS", "ACTION", "ADD", "ALL", "ALLOCATE", "ALTER", "AND", "ANY", "ARE",
    "AREA", "AS", "ASC", "ASIN", "ASSERTION", "AT", "ATAN", "ATAN2", "AUTHORIZATION", "AVG",
    "BEGIN", "BETWEEN", "BIGINT", "BIT", "BIT_LENGTH", "BOTH", "BOX", "BY", "CASCADE",
    "CASCADED", "CASE", "CAST", "CATALOG", "CEILING", "CENTROID", "CHAR", "CHARACTER",
    "CHARACTER_LENGTH", "CHAR_LENGTH", "CHECK", "CIRCLE", "CLOSE", "COALESCE", "COLLATE",
    "COLLATION", "COLUMN", "COMMIT", "CONNECT", "CONNECTION", "CONSTRAINT", "CONSTRAINTS",
    "CONTAINS", "CONTINUE", "CONVERT", "COORD1", "COORD2", "COORDSYS", "CORRESPONDING", "COS",
    "COT", "COUNT", "CREATE", "CROSS", "CURRENT", "CURRENT_DATE", "CURRENT_TIME",
    "CURRENT_TIMESTAMP", "CURRENT_USER", "CURSOR", "DATE", "DAY", "DEALLOCATE", "DECIMAL",
    "DECLARE", "DEFAULT", "DEFERRABLE", "DEFERRED", "DEGREES", "DELETE", "DESC", "DESCRIBE",
    "DESCRIPTOR", "DIAGNOSTICS", "DISCONNECT", "DISTANCE", "DISTINCT", "DOMAIN", "DOUBLE",
    "DROP", "ELSE", "END", "ESCAPE", "EXCEPT", "EXCEPTION", "EXEC", "EXECUTE", "EXISTS", "EXP",
    "EXTERNAL", "EXTRACT", "FALSE", "FETCH", "FIRST", "FLOAT", "FLOOR", "FOR", "FOREIGN",
    "FOUND", "FROM", "FULL", "GET", "GLOBAL", "GO", "GOTO", "GRANT", "GROUP", "HAVING", "HOUR",
    "IDENTITY", "ILIKE", "IMMEDIATE", "IN", "INDICATOR", "INITIALLY", "INNER", "INPUT",
    "INSENSITIVE", "INSERT", "INT", "INTEGER", "INTERSECT", "INTERSECTS", "INTERVAL", "INTO",
    "IN_UNIT", "IS", "ISOLATION", "JOIN", "KEY", "LANGUAGE", "LAST", "LEADING", "LEFT", "LEVEL",
    "LIKE", "LOCAL", "LOG", "LOG10", "LOWER", "MATCH", "MAX", "MIN", "MINUTE", "MOD", "MODULE",
    "MONTH", "NAMES", "NATIONAL", "NATURAL", "NCHAR", "NEXT", "NO", "NOT", "NULL", "NULLIF",
    "NUMERIC", "OCTET_LENGTH", "OF", "OFFSET", "ON", "ONLY", "OPEN", "OPTION", "OR", "ORDER",
    "OUTER", "OUTPUT", "OVERLAPS", "PAD", "PARTIAL", "PI", "POINT", "POLYGON", "POSITION",
    "POWER", "PRECISION", "PREPARE", "PRESERVE", "PRIMARY", "PRIOR", "PRIVILEGES", "PROCEDURE",
    "PUBLIC", "RADIANS", "RAND", "READ", "REAL", "REFERENCES", "REGION", "RELATIVE", "RESTRICT",
    "REVOKE", "RIGHT", "ROLLBACK", "ROUND", "ROWS", "SCHEMA", "SCROLL", "SECOND", "SECTION",
    "SELECT", "SESSION", "SESSION_USER", "SET", "SIN", "SIZE", "SMALLINT", "SOME", "SPACE",
    "SQL", "SQLCODE", "SQLERROR", "SQLSTATE", "SQRT", "SUBSTRING", "SUM", "SYSTEM_USER",
    "TABLE", "TAN", "TEMPORARY", "THEN", "TIME", "TIMESTAMP", "TIMEZONE_HOUR",
    "TIMEZONE_MINUTE", "TO", "TOP", "TRAILING", "TRANSACTION", "TRANSLATE", "TRANSLATION",
    "TRIM", "TRUE", "TRUNCATE", "UNION", "UNIQUE", "UNKNOWN", "UPDATE", "UPPER", "USAGE",
    "USER", "USING", "VALUE", "VALUES", "VARCHAR", "VARYING", "VIEW", "WHEN", "WHENEVER",
    "WHERE", "WITH", "WORK", "WRITE", "YEAR", "ZONE",
];

/// True if `word` (any case) is a reserved word.
pub fn is_reserved(word: &str) -> bool {
    let mut buf = [0u8; 32];
    if word.len() > buf.len() {
        return false;
    }
    let upper = &mut buf[..word.len()];
    upper.copy_from_slice(word.as_bytes());
    upper.make_ascii_uppercase();
    RESERVED_WORDS
        .binary_search_by(|probe| probe.as_bytes().cmp(upper))
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_and_case_insensitive() {
        assert!(RESERVED_WORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(is_reserved("select"));
        assert!(is_reserved("Size"));
        assert!(is_reserved("IN_UNIT"));
        assert!(!is_reserved("dec"));
        assert!(!is_reserved("s_region"));
    }
}
