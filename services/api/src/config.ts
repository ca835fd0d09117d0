import { z } from 'zod';
import { baseEnvSchema, envInt, loadConfig, toBaseConfig, type BaseConfig, type Env } from '@canvas-sync/shared';

const apiEnvSchema = baseEnvSchema.extend({
  API_PORT: envInt(3000, 0, 65_535),
  HOST: z.string().optional().transform((v) => v ?? '0.0.0.0'),
});

/** The api's configuration, parsed once at start-up. */
export interface ApiConfig extends BaseConfig {
  port: number;
  host: string;
}

/** Parses the environment; throws `config_invalid` naming every bad variable. */
export function loadApiConfig(env: Env): ApiConfig {
  const parsed: z.output<typeof apiEnvSchema> = loadConfig(apiEnvSchema, env);
  return Object.freeze({ ...toBaseConfig(parsed), port: parsed.API_PORT, host: parsed.HOST });
}
