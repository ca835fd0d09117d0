import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig } from 'vite';

/**
 * Builds `<canvas-sync-panel>` as ONE ES module, services/api/web-dist/embed/canvas-sync.js, which the
 * api serves at `GET /embed/canvas-sync.js` for host apps (docs/embedding.md). Runs after the page
 * build (vite.config.ts), which empties web-dist.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  logLevel: 'warn',
  // Workspace packages (@canvas-sync/client) are bundled from their TypeScript sources, no build first.
  resolve: { conditions: ['source', ...defaultClientConditions] },
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
