import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * Workspace packages resolve to their TypeScript sources, so tests never need a build first. A
 * subpath entry comes before its package's: the first entry whose name prefixes the import wins.
 */
const src = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const alias = {
  '@canvas-sync/shared': src('./packages/shared/src/index.ts'),
  '@canvas-sync/testkit/servers': src('./packages/testkit/src/servers/index.ts'),
  '@canvas-sync/testkit': src('./packages/testkit/src/index.ts'),
  '@canvas-sync/canvas-sim': src('./packages/canvas-sim/src/index.ts'),
  '@canvas-sync/client': src('./packages/client/src/index.ts'),
};

/**
 * Unit and integration files run two at a time: most integration files wait on their services,
 * NATS and Postgres, so two of them share this 2-core machine's cores well (vitest's default is
 * one fewer worker than cores: one here). The chaos files run after them, one at a time and alone:
 * they kill processes and time the recovery (docs/reliability.md).
 */
const PARALLEL_FILES = 2;

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          maxWorkers: PARALLEL_FILES,
          include: ['packages/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts', 'packages/canvas-sim/test/**/*.test.ts', 'test/deploy/**/*.test.ts', 'scripts/**/*.test.ts', 'services/api/web/lib/**/*.test.ts', 'examples/**/*.test.ts', 'bench/**/*.test.ts'],
          exclude: ['**/node_modules/**', 'bench/**/*.int.test.ts'],
          environment: 'node',
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'integration',
          maxWorkers: PARALLEL_FILES,
          include: ['packages/*/test/**/*.int.test.ts', 'services/*/test/**/*.int.test.ts', 'test/e2e/**/*.int.test.ts', 'bench/**/*.int.test.ts'],
          environment: 'node',
          globalSetup: ['packages/testkit/src/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve: { alias },
        test: {
          // Real processes killed and restarted mid-sync (docs/reliability.md); faults run in sequence.
          name: 'chaos',
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
          include: ['test/chaos/**/*.chaos.test.ts'],
          environment: 'node',
          globalSetup: ['packages/testkit/src/global-setup.ts'],
          testTimeout: 240_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
