/**
 * docker-compose.yml, checked offline: interpolated like compose does (`${VAR}`, `${VAR:-x}`,
 * `${VAR:?msg}`, `$$`), YAML merge keys resolved, validated with ajv against the Compose
 * Specification's JSON schema (vendored in compose-spec.json, see README.md here), then the
 * checks the schema cannot make: depends_on targets and conditions, one-shot jobs, healthchecks
 * on /readyz, no fixed host ports on scaled services, a stop grace above the shutdown deadline,
 * build targets that exist in the Dockerfile and entry scripts that exist as sources.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import type { Finding } from './k8s-checks.js';

type Service = Record<string, any>;
export type ComposeFile = { services: Record<string, Service>; [key: string]: unknown };

// The file names its meta-schema as "http://…/draft/2019-09/schema#", which ajv registers without
// the "#" and over https; the draft is the same, so the reference is dropped before compiling.
const { $schema: _metaSchema, ...schema } = JSON.parse(readFileSync(new URL('./compose-spec.json', import.meta.url), 'utf8')) as Record<string, unknown>;
/** Drops the draft-04 `id` annotations ("#/properties/services"), which ajv refuses; they identify nothing. */
function withoutIds(node: unknown, parentKey = ''): unknown {
  if (Array.isArray(node)) return node.map((n) => withoutIds(n));
  if (typeof node !== 'object' || node === null) return node;
  const entries = Object.entries(node).filter(([k, v]) => !(k === 'id' && typeof v === 'string' && parentKey !== 'properties'));
  return Object.fromEntries(entries.map(([k, v]) => [k, withoutIds(v, k)]));
}
const ajv = new Ajv2019({ strict: false, allErrors: true });
// compose-go's own formats, which the schema names.
ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
ajv.addFormat('ports', /^((\[?[0-9a-fA-F.:]+\]?:)?(\$?\{?[A-Za-z0-9_:?-]+\}?|\d+(-\d+)?)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$|^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F.:]+\/\d{1,3}$/);
const validate = ajv.compile(withoutIds(schema) as object);

/** Replaces `${...}` references the way compose does; a `:?` on an unset variable throws its message. */
export function interpolate(text: string, env: Record<string, string | undefined>): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (match, name?: string, colon?: string, op?: string, arg?: string, bare?: string) => {
    if (match === '$$') return '$';
    if (bare) return env[bare] ?? '';
    const value = env[name!];
    const unset = colon ? value === undefined || value === '' : value === undefined;
    if (op === '-') return unset ? arg! : value!;
    if (op === '?') {
      if (unset) throw new Error(`${name}: ${arg || 'required variable is missing'}`);
      return value!;
    }
    return value ?? '';
  });
}

/** Reads and interpolates a compose file as `docker compose config` would see it. */
export function loadCompose(path: string, env: Record<string, string | undefined>): ComposeFile {
  const text = readFileSync(path, 'utf8');
  // Interpolate values only (comments are dropped by parsing first, as compose does).
  const raw = parse(text, { merge: true }) as unknown;
  return JSON.parse(JSON.stringify(raw), (_key, value: unknown) => (typeof value === 'string' ? interpolate(value, env) : value)) as ComposeFile;
}

/** Schema errors and cross-checks of one compose model; an empty list means sound. */
export function checkCompose(compose: ComposeFile, options: { repoRoot: string }): Finding[] {
  const findings: Finding[] = [];
  if (!validate(compose)) {
    for (const e of validate.errors ?? []) findings.push({ object: 'compose', problem: `schema: ${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}` });
  }
  const services = compose.services ?? {};
  const targets = dockerfileStages(options.repoRoot);
  for (const [name, svc] of Object.entries(services)) {
    const add = (problem: string) => findings.push({ object: `service ${name}`, problem });
    for (const [dep, spec] of Object.entries((svc.depends_on ?? {}) as Record<string, { condition?: string }>)) {
      const target = services[dep];
      if (!target) {
        add(`depends_on unknown service ${dep}`);
        continue;
      }
      const condition = spec?.condition ?? 'service_started';
      if (condition === 'service_healthy' && (!target.healthcheck || target.healthcheck.disable)) add(`waits for ${dep} to be healthy, but ${dep} has no healthcheck`);
      if (condition === 'service_completed_successfully' && target.restart !== 'no') add(`waits for ${dep} to complete, but ${dep} restarts (set restart: "no")`);
      if (condition === 'service_started' && ['nats', 'postgres', 'migrate', 'provision'].includes(dep)) add(`depends on ${dep} without a condition (use service_healthy / service_completed_successfully)`);
    }
    const replicas = Number(svc.deploy?.replicas ?? svc.scale ?? 1);
    if (replicas > 1) {
      for (const port of (svc.ports ?? []) as Array<string | Record<string, unknown>>) {
        // "3000:3000" and "127.0.0.1:3000:3000" fix the host port; "3000" and "127.0.0.1::3000" do not.
        const fixed = typeof port === 'string' ? /^(?:[^:]*:)?\d+(?:-\d+)?:\d+/.test(port) : port.published !== undefined;
        if (fixed) add(`runs ${replicas} replicas but publishes a fixed host port (${JSON.stringify(port)})`);
      }
    }
    const target = svc.build?.target as string | undefined;
    if (svc.build && (!target || !targets.has(target))) add(`build target ${target ?? '(none)'} is not a Dockerfile stage`);
    const entry = ((svc.command ?? targets.get(target ?? '') ?? []) as string[])[0];
    if (entry && /\/dist\/.*\.js$/.test(entry) && !existsSync(join(options.repoRoot, entry.replace('/dist/', '/src/').replace(/\.js$/, '.ts')))) add(`entry ${entry} has no source`);
    const env = (svc.environment ?? {}) as Record<string, string>;
    const port = env.API_PORT ?? env.NOTIFIER_PORT ?? env.HEALTH_PORT;
    if (port !== undefined) {
      // A canvas-sync service: healthy means /readyz answers, and a stop must outlast its shutdown.
      const test = JSON.stringify(svc.healthcheck?.test ?? '');
      if (!test.includes(`127.0.0.1:${port}/readyz`)) add(`healthcheck does not probe /readyz on its port ${port}`);
      const grace = seconds(String(svc.stop_grace_period ?? '10s'));
      const shutdown = Number(env.SHUTDOWN_TIMEOUT_MS ?? 20_000) / 1000;
      if (!(grace > shutdown)) add(`stop_grace_period ${grace}s must exceed SHUTDOWN_TIMEOUT_MS ${shutdown}s`);
      for (const dep of ['migrate', 'provision']) {
        if (svc.depends_on?.[dep]?.condition !== 'service_completed_successfully') add(`must wait for ${dep} to complete successfully`);
      }
    }
  }
  return findings;
}

/** The `FROM ... AS <name>` stages of the repository's Dockerfile, each with its CMD (exec form). */
export function dockerfileStages(repoRoot: string): Map<string, string[]> {
  const stages = new Map<string, string[]>();
  let current = '';
  for (const line of readFileSync(join(repoRoot, 'Dockerfile'), 'utf8').split('\n')) {
    const from = /^FROM\s+\S+\s+AS\s+(\S+)\s*$/i.exec(line);
    if (from) stages.set((current = from[1]!), []);
    const cmd = /^CMD\s+(\[.*\])\s*$/.exec(line);
    if (cmd && current) stages.set(current, JSON.parse(cmd[1]!) as string[]);
  }
  return stages;
}

function seconds(duration: string): number {
  let total = 0;
  for (const [, n, unit] of duration.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(n) * { ms: 0.001, s: 1, m: 60, h: 3600 }[unit as 'ms' | 's' | 'm' | 'h'];
  return total;
}
