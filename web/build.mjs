// Bundles the query page into dist/: index.html, app.css, app.js (editor,
// tables, jobs, results) and sky.js (Aladin Lite, loaded only when a result
// has positions, so the editor paints before its 2 MB arrive).
// Run `bash web/build.sh`; dist/ is committed so that `cargo build` needs no Node.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, statSync } from "node:fs";

const out = new URL("./dist/", import.meta.url).pathname;
mkdirSync(out, { recursive: true });
const common = {
  bundle: true,
  format: "esm",
  minify: true,
  legalComments: "eof",
  target: ["chrome110", "firefox115", "safari16"],
  logLevel: "warning",
};
// The bundles say what they hold and under which licences (the minified
// packages carry no comments of their own).
const appBanner =
  "/* adql-rs query page (Apache-2.0), with CodeMirror 6 and Lezer (MIT, https://codemirror.net), " +
  "crelt, style-mod, w3c-keyname (MIT). Sources: web/src and web/package-lock.json. */";
const skyBanner =
  "/* adql-rs sky view (Apache-2.0) with Aladin Lite 3.8.2 (CDS, LGPL-3.0: " +
  "https://github.com/cds-astro/aladin-lite); rebuild with another Aladin Lite by `bash web/build.sh`. */";
await build({
  ...common,
  banner: { js: appBanner },
  entryPoints: ["src/app.js"],
  outfile: `${out}app.js`,
  // sky.js is fetched at run time, beside app.js.
  external: ["./sky.js"],
});
await build({ ...common, banner: { js: skyBanner }, entryPoints: ["src/sky.js"], outfile: `${out}sky.js` });
for (const name of ["index.html", "app.css"]) {
  copyFileSync(`src/${name}`, `${out}${name}`);
}
for (const name of ["index.html", "app.css", "app.js", "sky.js"]) {
  console.log(`${name}\t${statSync(`${out}${name}`).size} bytes`);
}
