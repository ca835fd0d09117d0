import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkManifests } from './k8s-checks.js';
import { loadFieldModels } from './k8s-fields.js';
import { kustomizeBuild, parseYamlObjects, type K8sObject } from './kustomize.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OVERLAYS = [
  { dir: 'k8s/overlays/dev', options: { pinnedImages: false } },
  // The production Secret is created by the operator (docs/operations.md), never committed.
  { dir: 'k8s/overlays/prod', options: { pinnedImages: true, externalSecrets: ['canvas-sync-secrets'] } },
];

beforeAll(() => loadFieldModels(), 120_000);

const idOf = (o: K8sObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** `kubectl kustomize` when this machine has it (CI images may not): the reference our renderer must equal. */
function kubectlKustomize(dir: string): K8sObject[] | undefined {
  try {
    return parseYamlObjects(execFileSync('kubectl', ['kustomize', dir], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }), dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

describe.each(OVERLAYS)('kustomize overlay $dir', ({ dir, options }) => {
  const objects = kustomizeBuild(`${ROOT}/${dir}`);

  it('renders every object the deployment needs', () => {
    const ids = objects.map((o) => `${o.kind}/${o.metadata.name.replace(/-[a-z0-9]{10}$/, '')}`);
    for (const name of ['api', 'fetcher', 'writer', 'notifier']) {
      expect(ids).toContain(`Deployment/${name}`);
      expect(ids).toContain(`PodDisruptionBudget/${name}`);
    }
    expect(ids).toEqual(expect.arrayContaining(['Service/api', 'Service/notifier', 'Service/nats', 'ConfigMap/canvas-sync-config', 'Job/migrate', 'Job/provision-streams', 'ScaledObject/fetcher', 'StatefulSet/nats', 'Namespace/' + objects.find((o) => o.kind === 'Namespace')!.metadata.name]));
    expect(objects.every((o) => o.kind === 'Namespace' || o.metadata.namespace === objects.find((n) => n.kind === 'Namespace')!.metadata.name)).toBe(true);
  });

  it('passes the Kubernetes and KEDA schemas and every cross-object check', () => {
    expect(checkManifests(objects, { ...options, repoRoot: ROOT })).toEqual([]);
  });

  it('equals `kubectl kustomize` object for object wherever kubectl exists', () => {
    const reference = kubectlKustomize(dir);
    if (reference === undefined) {
      // No kubectl here: the renderer's own unit tests (kustomize.test.ts) still pin its behaviour.
      expect(objects.length).toBeGreaterThan(0);
      return;
    }
    const ours = new Map(objects.map((o) => [idOf(o), o]));
    expect([...ours.keys()].sort()).toEqual(reference.map(idOf).sort());
    for (const obj of reference) expect(isDeepStrictEqual(ours.get(idOf(obj)), obj) ? idOf(obj) : { differs: idOf(obj), ours: ours.get(idOf(obj)), kubectl: obj }).toBe(idOf(obj));
  });
});

describe('the overlays differ where they must', () => {
  const prod = kustomizeBuild(`${ROOT}/k8s/overlays/prod`);
  const dev = kustomizeBuild(`${ROOT}/k8s/overlays/dev`);
  const find = (objs: K8sObject[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name) as K8sObject & { spec: Record<string, any> };

  it('prod runs NATS as a 3-node JetStream cluster behind a headless Service, with replicated streams', () => {
    const nats = find(prod, 'StatefulSet', 'nats');
    expect(nats.spec.replicas).toBe(3);
    expect(nats.spec.serviceName).toBe('nats-headless');
    expect(find(prod, 'Service', 'nats-headless').spec.clusterIP).toBe('None');
    const conf = String((find(prod, 'ConfigMap', 'nats-config').data as Record<string, string>)['nats.conf']);
    expect(conf).toMatch(/jetstream\s*\{/);
    expect(conf.match(/nats:\/\/nats-\d\.nats-headless:6222/g)).toHaveLength(3);
    const provision = find(prod, 'Job', 'provision-streams').spec.template.spec.containers[0];
    expect(provision.env).toContainEqual({ name: 'JETSTREAM_REPLICAS', value: '3' });
  });

  it('prod has more replicas than dev and keeps a Secret out of the repository', () => {
    for (const name of ['api', 'writer', 'notifier']) {
      expect(find(prod, 'Deployment', name).spec.replicas).toBeGreaterThan(find(dev, 'Deployment', name).spec.replicas);
    }
    expect(find(prod, 'ScaledObject', 'fetcher').spec.maxReplicaCount).toBeGreaterThan(find(dev, 'ScaledObject', 'fetcher').spec.maxReplicaCount);
    expect(prod.some((o) => o.kind === 'Secret')).toBe(false);
    expect(dev.some((o) => o.kind === 'Secret')).toBe(true);
  });
});
