// The ADQL editor: CodeMirror 6 with an ADQL dialect of @codemirror/lang-sql,
// completion of schemas, tables and columns from VOSI /tables, and the
// server's own checker (/validate) as the linter.
import { EditorView, basicSetup } from "codemirror";
import { keymap } from "@codemirror/view";
import { Compartment, Prec } from "@codemirror/state";
import { sql, SQLDialect } from "@codemirror/lang-sql";
import { linter, lintGutter, forceLinting } from "@codemirror/lint";
import { call, form, TAP } from "./api.js";

const KEYWORDS =
  "select top distinct all from where group by having order asc desc offset as and or not is null " +
  "in between like ilike exists join inner left right full outer natural cross on using union intersect " +
  "except with case when then else end cast true false";

/** ADQL 2.1's functions: geometry, mathematics, strings, conversions. */
export const FUNCTIONS = [
  "POINT", "CIRCLE", "BOX", "POLYGON", "REGION", "CONTAINS", "INTERSECTS", "DISTANCE", "AREA",
  "CENTROID", "COORD1", "COORD2", "COORDSYS", "ABS", "CEILING", "DEGREES", "EXP", "FLOOR", "LOG",
  "LOG10", "MOD", "PI", "POWER", "RADIANS", "SQRT", "RAND", "ROUND", "TRUNCATE", "SIN", "COS", "TAN",
  "ASIN", "ACOS", "ATAN", "ATAN2", "COT", "LOWER", "UPPER", "IN_UNIT", "COALESCE", "COUNT", "SUM",
  "AVG", "MIN", "MAX",
];

const ADQL = SQLDialect.define({
  keywords: KEYWORDS,
  builtin: FUNCTIONS.map((f) => f.toLowerCase()).join(" "),
  types: "smallint integer bigint real double precision char varchar timestamp",
  operatorChars: "*+-%<>!=|/",
  doubleQuotedStrings: false,
  identifierQuotes: '"',
});

/** A CodeMirror schema for lang-sql: `{schema: {table: [columns]}}` with column details. */
export function completionSchema(tables) {
  const schema = {};
  for (const t of tables) {
    const dot = t.name.indexOf(".");
    const [s, name] = dot < 0 ? ["", t.name] : [t.name.slice(0, dot), t.name.slice(dot + 1)];
    const columns = t.columns.map((c) => ({
      label: c.name,
      type: "property",
      detail: [c.datatype, c.unit && `[${c.unit}]`].filter(Boolean).join(" "),
      info: c.description || undefined,
    }));
    if (s) {
      schema[s] = schema[s] || {};
      schema[s][name] = columns;
    } else {
      schema[name] = columns;
    }
  }
  return schema;
}

/** UTF-16 offsets from the server (as CodeMirror counts) clamped to the document. */
function range(doc, d) {
  const from = Math.min(d.from, doc.length);
  const to = Math.min(Math.max(d.to, from), doc.length);
  return { from, to };
}

/** The linter: the server's checker, typed against its tables, at the current LANG. */
function serverLinter(lang, onResult) {
  return linter(
    async (view) => {
      const query = view.state.doc.toString();
      if (!query.trim()) {
        onResult([]);
        return [];
      }
      let response;
      try {
        response = await call(`${TAP}/validate`, { method: "POST", body: form({ QUERY: query, LANG: lang() }) });
      } catch (_) {
        return [];
      }
      if (!response.ok) return [];
      const { diagnostics } = await response.json();
      onResult(diagnostics);
      return diagnostics.map((d) => ({
        ...range(view.state.doc, d),
        severity: d.severity,
        source: d.code,
        message: d.hint ? `${d.message}\n${d.hint}` : d.message,
        actions: d.replacement
          ? [
              {
                name: "apply fix",
                apply(v, from, to) {
                  v.dispatch({ changes: { from, to, insert: d.replacement } });
                },
              },
            ]
          : [],
      }));
    },
    { delay: 250 },
  );
}

/**
 * The editor in `parent`; `onRun` is called on Ctrl-Enter, `onDiagnostics`
 * with the checker's findings, `lang` gives the LANG to check under.
 */
export function createEditor(parent, { doc, onRun, onDiagnostics, lang }) {
  // The language sits in a compartment: completion gets the tables when
  // /tables answers, without rebuilding the editor.
  const language = new Compartment();
  const view = new EditorView({
    parent,
    doc,
    extensions: [
      basicSetup,
      language.of(sql({ dialect: ADQL, upperCaseKeywords: true })),
      lintGutter(),
      serverLinter(lang, onDiagnostics),
      Prec.highest(
        keymap.of([
          {
            key: "Mod-Enter",
            run: () => {
              onRun();
              return true;
            },
          },
        ]),
      ),
      EditorView.lineWrapping,
    ],
  });
  return {
    view,
    text: () => view.state.doc.toString(),
    set(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    /** Completion of the service's tables and columns, once /tables has answered. */
    setTables(tables) {
      const schema = completionSchema(tables);
      view.dispatch({ effects: language.reconfigure(sql({ dialect: ADQL, upperCaseKeywords: true, schema })) });
    },
    relint: () => forceLinting(view),
  };
}
