import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** Builds the sync panel (services/api/web) into services/api/web-dist, which the api serves. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  logLevel: 'warn',
  // @canvas-sync/client from its TypeScript sources (its package.json `source` condition): no build of it first.
  resolve: { conditions: ['source', 'module', 'browser', 'development|production'] },
  build: {
    outDir: fileURLToPath(new URL('../web-dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
});
