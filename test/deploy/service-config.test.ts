import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { baseEnvSchema, loadConfig, type Env } from '@canvas-sync/shared';
import { loadApiConfig } from '../../services/api/src/config.js';
import { loadFetcherConfig } from '../../services/fetcher/src/config.js';
import { loadNotifierConfig } from '../../services/notifier/src/config.js';
import { loadWriterConfig } from '../../services/writer/src/config.js';
import { loadCompose } from './compose-checks.js';
import { resolveEnv } from './k8s-checks.js';
import { kustomizeBuild, type K8sObject } from './kustomize.js';

/**
 * The environment each deployment gives a process, fed to that service's own config loader: a
 * variable the service does not accept (a bad LOG_LEVEL, a missing secret, an unreadable key
 * file) fails here instead of in a crash-looping pod.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const files = mkdtempSync(join(tmpdir(), 'service-config-'));
afterAll(() => rmSync(files, { recursive: true, force: true }));

/** The image sets NODE_ENV=production (Dockerfile), which makes the services strict about secrets. */
const IMAGE_ENV = { NODE_ENV: 'production' };
/** A real-looking key: production refuses the public dev key (DEV_TOKEN_KEY). Ends in a newline, as `echo` leaves it. */
const OPERATOR_KEY = `${Buffer.alloc(32, 42).toString('base64')}\n`;
/** Stand-ins for the production Secret the operator creates (docs/operations.md). */
const EXTERNAL_SECRET: Record<string, string> = {
  'database-url': 'postgres://canvas_sync:secret@db.internal:5432/canvas_sync',
  'auth-jwt-secret': 'a-production-secret-of-enough-length',
  'token-key': OPERATOR_KEY,
  // Optional keys: with them the prod overlay's writer runs its webhook dispatcher (a production-length secret).
  'webhook-url': 'https://host-app.internal/hooks/canvas-sync',
  'webhook-secret': 'a-webhook-secret-of-production-length-0123456789',
};
const LOADERS: Record<string, (env: Env) => unknown> = {
  'services/api/dist/main.js': (env) => loadApiConfig(env),
  'services/fetcher/dist/main.js': loadFetcherConfig,
  'services/writer/dist/main.js': loadWriterConfig,
  'services/notifier/dist/main.js': loadNotifierConfig,
  'packages/shared/dist/db/migrate.cli.js': (env) => loadConfig(baseEnvSchema, env),
};

type Json = Record<string, any>;

/** A pod container's full environment: ConfigMap and literal values, secret keys, and key files written to disk. */
function podEnv(owner: K8sObject, objects: K8sObject[], container: Json, pod: Json): Env {
  // `undefined` = the key is not there: an optional reference then leaves the variable unset, as the kubelet does.
  const secretValue = (name: string, key: string): string | undefined => {
    const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.name === name);
    if (!secret) return EXTERNAL_SECRET[key];
    const data = (secret.data as Json)[key];
    return data === undefined ? undefined : Buffer.from(String(data).replace(/\n/g, ''), 'base64').toString('utf8');
  };
  const env: Record<string, string> = { ...IMAGE_ENV, ...resolveEnv(container as never, owner, objects) };
  for (const e of (container.env ?? []) as Json[]) {
    const ref = e.valueFrom?.secretKeyRef;
    const value = ref ? secretValue(ref.name, ref.key) : undefined;
    if (value !== undefined) env[e.name] = value;
  }
  // A file variable points into a mounted Secret volume: write what the kubelet would.
  for (const [name, value] of Object.entries(env)) {
    if (!name.endsWith('_FILE')) continue;
    const mount = ((container.volumeMounts ?? []) as Json[]).find((m) => value.startsWith(`${m.mountPath}/`));
    const volume = ((pod.volumes ?? []) as Json[]).find((v) => v.name === mount?.name);
    const item = ((volume?.secret?.items ?? []) as Json[]).find((i) => `${mount!.mountPath}/${i.path}` === value);
    if (!item) continue; // the loader then reports the unreadable file
    const path = join(files, `${owner.metadata.name}-${name}`);
    writeFileSync(path, secretValue(volume!.secret.secretName, item.key) ?? '');
    env[name] = path;
  }
  return env;
}

describe.each(['k8s/overlays/dev', 'k8s/overlays/prod'])('%s: every process accepts the environment it is given', (dir) => {
  const objects = kustomizeBuild(join(ROOT, dir));
  const containers = objects
    .filter((o) => o.kind === 'Deployment' || o.kind === 'Job')
    .flatMap((o) => {
      const pod = (o.spec as Json).template.spec as Json;
      return [...(pod.initContainers ?? []), ...pod.containers].map((c: Json) => ({ owner: o, pod, container: c, entry: String((c.args as string[] | undefined)?.find((a) => !a.startsWith('--'))) }));
    })
    .filter((c) => c.entry in LOADERS);

  it('covers every service and the migration', () => {
    expect(new Set(containers.map((c) => c.entry))).toEqual(new Set(Object.keys(LOADERS)));
  });

  it.each(containers.map((c) => [`${c.owner.metadata.name}/${c.container.name}`, c] as const))('%s', (_name, c) => {
    expect(() => LOADERS[c.entry]!(podEnv(c.owner, objects, c.container, c.pod))).not.toThrow();
  });

  it('would refuse a bad value in the ConfigMap', () => {
    const broken = structuredClone(objects);
    const config = broken.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('canvas-sync-config'))!;
    (config.data as Json).LOG_LEVEL = 'verbose';
    const writer = broken.find((o) => o.kind === 'Deployment' && o.metadata.name === 'writer')!;
    const pod = (writer.spec as Json).template.spec as Json;
    expect(() => loadWriterConfig(podEnv(writer, broken, pod.containers[0], pod))).toThrow(/LOG_LEVEL/);
  });
});

describe('docker-compose.yml: every service accepts the environment it is given', () => {
  const compose = loadCompose(join(ROOT, 'docker-compose.yml'), { AUTH_JWT_SECRET: 'a-compose-secret-of-enough-length', TOKEN_ENCRYPTION_KEY: OPERATOR_KEY });
  const byService: Record<string, (env: Env) => unknown> = { api: (env) => loadApiConfig(env), fetcher: loadFetcherConfig, writer: loadWriterConfig, notifier: loadNotifierConfig, migrate: (env) => loadConfig(baseEnvSchema, env) };

  it.each(Object.keys(byService))('%s', (name) => {
    const env = { ...IMAGE_ENV, ...(compose.services[name]!.environment as Record<string, string>) };
    expect(() => byService[name]!(env)).not.toThrow();
  });
});
