import { z } from 'zod';
import { developmentDefaultProblems, type ConfigProblem, type Deployment } from './deployment.js';

/**
 * The one trimming rule for every secret, from the environment or from a file: surrounding
 * whitespace (the newline `echo` or an editor leaves in a Secret) is never part of a secret, and a
 * secret that is empty after trimming is not set. Without one rule, the api and the notifier read
 * `"secret\n"` as two different keys.
 */
export function normalizeSecret(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** A secret environment variable under {@link normalizeSecret}; `undefined` when unset or blank. */
export const envSecret = z.string().optional().transform(normalizeSecret);

/**
 * Reads a secret file (a mounted Kubernetes Secret) under {@link normalizeSecret}. An empty file is
 * an error, not "unset": whoever pointed a variable at a file meant a real secret to be there.
 */
export function readSecretFile(variable: string, path: string, readFile: (path: string) => string): string {
  const value = normalizeSecret(readFile(path));
  if (value === undefined) throw new Error(`${variable}: the file is empty`);
  return value;
}

/**
 * What one secret must look like: the one rule behind every secret variable (user-token secret,
 * webhook signing secret), so lengths and dev values are checked, and worded, the same way.
 */
export interface SecretRule {
  /** Shorter is refused wherever the service runs (checked as the variable is read, {@link envSecretWith}). */
  minLength?: number;
  /** Shorter is refused when DEMO=0 or NODE_ENV=production ({@link secretProblems}): an HMAC key is as strong as its length. */
  productionMinLength?: number;
  /** A public development value (printed in the docs), refused in production ({@link secretProblems}); `what` names it. */
  devValue?: { value: string; what: string };
}

/** {@link envSecret} that also refuses a secret shorter than `rule.minLength`, never echoing it. */
export function envSecretWith(rule: SecretRule) {
  const min = rule.minLength;
  if (min === undefined) return envSecret;
  return envSecret.pipe(z.string().min(min, `must be at least ${min} characters (32+ recommended)`).optional());
}

/**
 * What the deployment refuses in a secret (empty when fine), under `variable`: in production, one
 * shorter than `rule.productionMinLength` or equal to `rule.devValue` (a service that falls back to
 * its dev value passes that value here). The rules that need no deployment are {@link envSecretWith}'s.
 */
export function secretProblems(variable: string, value: string | undefined, rule: SecretRule, deployment: Deployment): ConfigProblem[] {
  if (value === undefined) return [];
  if (rule.devValue !== undefined) {
    const dev = developmentDefaultProblems(deployment, [{ variable, what: rule.devValue.what, inUse: value === rule.devValue.value }]);
    if (dev.length > 0) return dev;
  }
  const min = rule.productionMinLength;
  if (deployment.production && min !== undefined && value.length < min) {
    return [{ variable, message: `must be at least ${min} characters when DEMO=0 or NODE_ENV=production (e.g. \`openssl rand -hex 32\`)` }];
  }
  return [];
}
