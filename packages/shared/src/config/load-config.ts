import { type z } from 'zod';
import { AppError } from '../errors/index.js';

/** Environment as `process.env` gives it. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Parses `env` against `schema` once, at start-up. On failure it throws one `config_invalid`
 * error whose message names every bad variable, so an operator fixes them all in one go.
 * The result is deeply frozen: config never changes while a service runs.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: Env): Readonly<z.output<S>> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`);
    throw new AppError('config_invalid', `Invalid configuration:\n  - ${problems.join('\n  - ')}`, {
      details: { variables: parsed.error.issues.map((issue) => issue.path.join('.')) },
    });
  }
  return deepFreeze(parsed.data);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value) && !ArrayBuffer.isView(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
