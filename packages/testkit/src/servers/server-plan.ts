/**
 * Which servers a test run uses, decided per server (Postgres, NATS) from the environment and
 * whether the address answers. Pure, so the rules are unit-tested (server-plan.test.ts); the
 * global setup probes, then follows the plan (run-servers.ts).
 */

/** `TEST_SERVERS`: `auto` (default), `own` (always start private servers), `existing` (never start any). */
export type ServersSetting = 'auto' | 'own' | 'existing';

export type ServerKind = 'postgres' | 'nats';

/** Use the server at `url`, start one of our own (`why` says why), or stop the run with `problem`. */
export type ServerChoice = { use: string } | { start: true; why: string } | { fail: string };

const VARIABLE: Record<ServerKind, string> = { postgres: 'TEST_POSTGRES_URL', nats: 'TEST_NATS_URL' };
const DEFAULT_URL: Record<ServerKind, string> = {
  postgres: 'postgres://postgres@127.0.0.1:5432/postgres',
  nats: 'nats://127.0.0.1:4222',
};
const LABEL: Record<ServerKind, string> = { postgres: 'Postgres', nats: 'NATS with JetStream' };

/** Reads `TEST_SERVERS`; anything else than the three values is a mistake worth stopping for. */
export function serversSetting(env: NodeJS.ProcessEnv): ServersSetting {
  const value = (env.TEST_SERVERS ?? '').trim().toLowerCase();
  if (value === '' || value === 'auto') return 'auto';
  if (value === 'own' || value === 'existing') return value;
  throw new Error(`TEST_SERVERS=${env.TEST_SERVERS} is not one of auto, own, existing`);
}

/** The URL a run is configured with: the variable when set, else the local default. */
export function configuredUrl(kind: ServerKind, env: NodeJS.ProcessEnv): { url: string; explicit: boolean } {
  const set = env[VARIABLE[kind]]?.trim();
  return set ? { url: set, explicit: true } : { url: DEFAULT_URL[kind], explicit: false };
}

/** A URL fit for a message: no password. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(not a URL)';
  }
}

/**
 * The rules: `own` always starts one. A server the run was pointed at (`TEST_POSTGRES_URL` /
 * `TEST_NATS_URL`) is used or, when it does not answer, the run stops: replacing a server someone
 * named would hide their mistake (a CI service that did not come up). The local default is used
 * when it answers; when not, `auto` starts one and `existing` stops the run.
 * `problem` is undefined when the server answered as needed, else why it did not.
 */
export function planServer(kind: ServerKind, env: NodeJS.ProcessEnv, problem: string | undefined): ServerChoice {
  const setting = serversSetting(env);
  const { url, explicit } = configuredUrl(kind, env);
  if (setting === 'own') return { start: true, why: 'TEST_SERVERS=own' };
  if (problem === undefined) return { use: url };
  const where = `${LABEL[kind]} at ${safeUrl(url)} (${problem})`;
  if (explicit) {
    return { fail: `${VARIABLE[kind]} names ${where}. The test kit does not replace a server you named: start it, unset ${VARIABLE[kind]} to use the local default or let the kit start its own, or set TEST_SERVERS=own.` };
  }
  if (setting === 'existing') {
    return { fail: `no ${where}, and TEST_SERVERS=existing starts none: start one, set ${VARIABLE[kind]}, or unset TEST_SERVERS to let the kit start its own.` };
  }
  return { start: true, why: `no ${where}` };
}
