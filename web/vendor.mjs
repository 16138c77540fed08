// Vendors the LiteRT.js runtime into ferlib/static/litert: `npm ci && npm run vendor` (in web/).
// litert.js: @litertjs/core bundled with its one dependency (@litertjs/wasm-utils) into one ES module;
// litert_wasm_compat_internal.{js,wasm}: the WebAssembly build that needs only SIMD (no relaxed SIMD,
// threads or JSPI), so one build serves every browser; LICENSE: Apache-2.0, the package's licence.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";

const core = "node_modules/@litertjs/core";
const out = "../ferlib/static/litert";
const version = JSON.parse(readFileSync(`${core}/package.json`)).version;
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [`${core}/dist/index.js`], bundle: true, format: "esm", minify: true,
  outfile: `${out}/litert.js`, legalComments: "inline",
  banner: { js: `// @litertjs/core ${version} (Apache-2.0, https://github.com/google-ai-edge/LiteRT), bundled by web/vendor.mjs` },
});
for (const name of ["litert_wasm_compat_internal.js", "litert_wasm_compat_internal.wasm"]) {
  copyFileSync(`${core}/wasm/${name}`, `${out}/${name}`);
}
copyFileSync("LICENSE-litertjs", `${out}/LICENSE`);
const files = ["litert.js", "litert_wasm_compat_internal.js", "litert_wasm_compat_internal.wasm", "LICENSE"];
const sizes = Object.fromEntries(files.map((name) => [name, statSync(`${out}/${name}`).size]));
writeFileSync(`${out}/VERSION.json`, JSON.stringify({ package: "@litertjs/core", version, bytes: sizes }, null, 1) + "\n");
console.log(version, sizes);
