/**
 * The browser bundle of @canvas-sync/client as a bundler makes it from the package (ESM, es2022,
 * minified, everything in one file): its size raw and gzipped (level 9). Run:
 * `node --import tsx scripts/client-bundle-size.ts` — the figure in packages/client/README.md comes from here.
 */
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const result = await build({
  entryPoints: [new URL('../packages/client/src/index.ts', import.meta.url).pathname],
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  platform: 'browser',
  write: false,
});
const code = result.outputFiles[0]!.contents;
console.log(`@canvas-sync/client browser bundle: ${code.byteLength} bytes minified, ${gzipSync(code, { level: 9 }).byteLength} bytes minified+gzipped`);
