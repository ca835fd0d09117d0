import { type z } from 'zod';
import { baseEnvSchema, envInt, loadConfig, toBaseConfig, type BaseConfig, type Env } from '@canvas-sync/shared';

const fetcherEnvSchema = baseEnvSchema.extend({
  HEALTH_PORT: envInt(3002, 0, 65_535),
  FETCHER_CONCURRENCY: envInt(8, 1, 256),
});

/** The fetcher's configuration, parsed once at start-up. */
export interface FetcherConfig extends BaseConfig {
  healthPort: number;
  concurrency: number;
}

/** Parses the environment; throws `config_invalid` naming every bad variable. */
export function loadFetcherConfig(env: Env): FetcherConfig {
  const parsed: z.output<typeof fetcherEnvSchema> = loadConfig(fetcherEnvSchema, env);
  return Object.freeze({ ...toBaseConfig(parsed), healthPort: parsed.HEALTH_PORT, concurrency: parsed.FETCHER_CONCURRENCY });
}
