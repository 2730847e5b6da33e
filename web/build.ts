/**
 * `npm run build:web`: bundles the two pages into web/dist with esbuild, which the app serves
 * (bettor page at /, trading console at /trading). Everything the pages load is in the bundle:
 * no CDN at run time. Prints each file's size. Type-checking is apart (`tsc -p web`, in `npm test`):
 * esbuild only strips types, which keeps this fast enough to run before every `npm start`.
 *
 *   web/dist/index.html, trading.html
 *   web/dist/assets/bettor.js, bettor.css, trading.js, trading.css (+ source maps)
 */
import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const WEB = dirname(fileURLToPath(import.meta.url));
const DIST = join(WEB, 'dist');

const PAGES = [
  { name: 'bettor', script: 'bettor/main.tsx', style: 'bettor/bettor.css', html: 'bettor/index.html', out: 'index.html' },
  { name: 'trading', script: 'trading/main.tsx', style: 'trading/trading.css', html: 'trading/index.html', out: 'trading.html' },
] as const;

const started = performance.now();
await rm(DIST, { recursive: true, force: true });
await mkdir(join(DIST, 'assets'), { recursive: true });
const result = await build({
  absWorkingDir: WEB,
  entryPoints: PAGES.flatMap((p) => [
    { in: p.script, out: p.name },
    { in: p.style, out: p.name },
  ]),
  outdir: join(DIST, 'assets'),
  bundle: true,
  format: 'esm',
  splitting: false,
  minify: true,
  sourcemap: 'linked',
  target: ['chrome109', 'firefox115', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});
await Promise.all(PAGES.map((p) => copyFile(join(WEB, p.html), join(DIST, p.out))));

for (const file of [...Object.keys(result.metafile.outputs).filter((f) => !f.endsWith('.map')), ...PAGES.map((p) => join(DIST, p.out))]) {
  const path = resolve(WEB, file);
  const { size } = await stat(path);
  console.log(`  ${relative(WEB, path).padEnd(28)} ${(size / 1024).toFixed(1).padStart(7)} KiB`);
}
console.log(`web pages built in ${Math.round(performance.now() - started)} ms`);
