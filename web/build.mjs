// web/build.mjs - build/web/index.html, one file: the page's template (web/src/index.html), its style, the
// Emscripten module (build/web/llmcost.js, the wasm inside it) and the page's script bundled by esbuild with its
// npm dependencies (Chart.js). Nothing is loaded from anywhere when the page runs.
// Usage: node web/build.mjs BUILD_DIR
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] || join(here, '..', 'build', 'web'));

// Inline text may not close its element early: "</script" and "</style" inside become "<\/script".
const inline = (text, tag) => text.replace(new RegExp('</' + tag, 'gi'), '<\\/' + tag);

const app = await esbuild.build({
  entryPoints: [join(here, 'src', 'app.js')],
  bundle: true,
  format: 'iife',
  minify: true,
  write: false,
  target: ['chrome100', 'firefox100', 'safari15'],
  legalComments: 'eof',
});
const worker = await esbuild.build({
  entryPoints: [join(here, 'src', 'worker.js')],
  bundle: true,
  format: 'iife',
  minify: true,
  write: false,
  target: ['chrome100', 'firefox100', 'safari15'],
});
const wasm = readFileSync(join(out, 'llmcost.js'), 'utf8');
const css = readFileSync(join(here, 'src', 'style.css'), 'utf8');
const version = readFileSync(join(here, '..', 'CMakeLists.txt'), 'utf8').match(/project\(llmcost VERSION ([0-9.]+)/)[1];
let html = readFileSync(join(here, 'src', 'index.html'), 'utf8');
const parts = {
  '<!--STYLE-->': '<style>\n' + inline(css, 'style') + '</style>',
  '<!--MODULE-->': '<script id="llmcost-module">\n' + inline(wasm, 'script') + '\n</script>',
 // The planner's worker: text the page joins to the module's script in a Blob (it runs in a Web Worker).
  '<!--WORKER-->': '<script type="text/plain" id="llmcost-worker">\n' + inline(worker.outputFiles[0].text, 'script') + '</script>',
  '<!--APP-->': '<script>\n' + inline(app.outputFiles[0].text, 'script') + '</script>',
  '@VERSION@': version,
};
for (const [k, v] of Object.entries(parts)) {
  if (!html.includes(k)) throw new Error('web/src/index.html lacks ' + k);
  html = html.split(k).join(v);
}
writeFileSync(join(out, 'index.html'), html);
console.log(`web: ${join(out, 'index.html')} (${(html.length / 1e6).toFixed(1)} MB, llmcost ${version})`);
