import { z } from 'zod';

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
