import { type z } from 'zod';
import { baseEnvSchema, envInt, loadConfig, toBaseConfig, type BaseConfig, type Env } from '@canvas-sync/shared';

const writerEnvSchema = baseEnvSchema.extend({
  HEALTH_PORT: envInt(3003, 0, 65_535),
  WRITER_CONCURRENCY: envInt(8, 1, 256),
});

/** The writer's configuration, parsed once at start-up. */
export interface WriterConfig extends BaseConfig {
  healthPort: number;
  concurrency: number;
}

/** Parses the environment; throws `config_invalid` naming every bad variable. */
export function loadWriterConfig(env: Env): WriterConfig {
  const parsed: z.output<typeof writerEnvSchema> = loadConfig(writerEnvSchema, env);
  return Object.freeze({ ...toBaseConfig(parsed), healthPort: parsed.HEALTH_PORT, concurrency: parsed.WRITER_CONCURRENCY });
}
