import { z } from 'zod';
import { baseEnvSchema, envInt, loadConfig, toBaseConfig, type BaseConfig, type Env } from '@canvas-sync/shared';

const notifierEnvSchema = baseEnvSchema.extend({
  NOTIFIER_PORT: envInt(3001, 0, 65_535),
  HOST: z.string().optional().transform((v) => v ?? '0.0.0.0'),
});

/** The notifier's configuration, parsed once at start-up. */
export interface NotifierConfig extends BaseConfig {
  port: number;
  host: string;
}

/** Parses the environment; throws `config_invalid` naming every bad variable. */
export function loadNotifierConfig(env: Env): NotifierConfig {
  const parsed: z.output<typeof notifierEnvSchema> = loadConfig(notifierEnvSchema, env);
  return Object.freeze({ ...toBaseConfig(parsed), port: parsed.NOTIFIER_PORT, host: parsed.HOST });
}
