import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * Builds `<canvas-sync-panel>` as ONE ES module, services/api/web-dist/embed/canvas-sync.js, which the
 * api serves at `GET /embed/canvas-sync.js` for host apps (docs/embedding.md). Runs after the page
 * build (vite.config.ts), which empties web-dist.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  logLevel: 'warn',
  // @canvas-sync/client from its TypeScript sources (its package.json `source` condition): no build of it first.
  resolve: { conditions: ['source', 'module', 'browser', 'development|production'] },
  build: {
    outDir: fileURLToPath(new URL('../web-dist/embed', import.meta.url)),
    emptyOutDir: false,
    target: 'es2022',
    sourcemap: true,
    // Vite keeps whitespace in ES libraries (for bundlers downstream); this one goes to browsers as is.
    rolldownOptions: { output: { minify: true } },
    lib: {
      entry: fileURLToPath(new URL('./embed.ts', import.meta.url)),
      formats: ['es'],
      fileName: () => 'canvas-sync.js',
    },
  },
});
