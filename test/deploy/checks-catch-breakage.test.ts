import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkManifests } from './k8s-checks.js';
import { loadFieldModels } from './k8s-fields.js';
import { kustomizeBuild, type K8sObject } from './kustomize.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OPTIONS = { repoRoot: ROOT, pinnedImages: true, externalSecrets: ['canvas-sync-secrets'] };
const pristine = kustomizeBuild(`${ROOT}/k8s/overlays/prod`);

/** The prod render with one object changed by `mutate`; returns the findings. */
function breakOne(kind: string, name: string, mutate: (obj: any) => void): string[] {
  const objects = structuredClone(pristine);
  const target = objects.find((o) => o.kind === kind && o.metadata.name.startsWith(name));
  if (!target) throw new Error(`no ${kind}/${name} in the render`);
  mutate(target);
  return checkManifests(objects, OPTIONS).map((f) => `${f.object}: ${f.problem}`);
}

beforeAll(() => loadFieldModels(), 120_000);

const container = (obj: any, index = 0) => obj.spec.template.spec.containers[index];
const trigger = (obj: any) => obj.spec.triggers[0].metadata;

describe('the manifest checks fail a broken manifest', () => {
  it('pass the pristine render (so each failure below comes from its one change)', () => {
    expect(checkManifests(pristine, OPTIONS)).toEqual([]);
  });

  it.each([
    ['a Deployment without a readiness probe', 'Deployment', 'api', (o: any) => delete container(o).readinessProbe, /Deployment\/api: container api: no readinessProbe/],
    ['a Deployment without a liveness probe', 'Deployment', 'writer', (o: any) => delete container(o).livenessProbe, /container writer: no livenessProbe/],
    ['liveness pointed at readiness', 'Deployment', 'notifier', (o: any) => (container(o).livenessProbe.httpGet.path = '/readyz'), /livenessProbe must GET \/livez/],
    ['a probe on a port the container lacks', 'Deployment', 'api', (o: any) => (container(o).readinessProbe.httpGet.port = 'admin'), /readinessProbe port admin is not a container port/],
    ['a port variable that disagrees with the container port', 'Deployment', 'fetcher', (o: any) => (container(o).env.find((e: any) => e.name === 'HEALTH_PORT').value = '9999'), /HEALTH_PORT=9999 is not a container port/],
    ['metrics scraped on the public port', 'Deployment', 'api', (o: any) => (o.spec.template.metadata.annotations['prometheus.io/port'] = '3000'), /prometheus\.io\/port 3000 is not METRICS_PORT=9464/],
    ['METRICS_PORT on a port the container lacks', 'Deployment', 'notifier', (o: any) => (container(o).env.find((e: any) => e.name === 'METRICS_PORT').value = '9999'), /prometheus\.io\/port 9464 is not METRICS_PORT=9999/],
    ['a container without limits', 'Deployment', 'writer', (o: any) => delete container(o).resources.limits, /no resources\.limits\.memory/],
    ['a writable root filesystem', 'Deployment', 'api', (o: any) => (container(o).securityContext.readOnlyRootFilesystem = false), /readOnlyRootFilesystem must be true/],
    ['capabilities kept', 'Job', 'migrate', (o: any) => (container(o).securityContext.capabilities = { drop: ['NET_RAW'] }), /capabilities\.drop must include ALL/],
    ['a grace period shorter than the shutdown deadline', 'Deployment', 'fetcher', (o: any) => (o.spec.template.spec.terminationGracePeriodSeconds = 20), /terminationGracePeriodSeconds 20 must exceed/],
    ['a Service selecting no pods', 'Service', 'api', (o: any) => (o.spec.selector = { 'app.kubernetes.io/name': 'apí' }), /Service\/api: selector matches no pod template/],
    ['a Service targeting a missing port', 'Service', 'notifier', (o: any) => (o.spec.ports[0].targetPort = 'ws'), /targetPort ws is not a port/],
    ['a PDB selecting nothing', 'PodDisruptionBudget', 'writer', (o: any) => (o.spec.selector.matchLabels = { app: 'writer' }), /PodDisruptionBudget\/writer: selector matches no pods/],
    ['a missing ConfigMap key', 'Deployment', 'api', (o: any) => container(o).env.push({ name: 'X', valueFrom: { configMapKeyRef: { name: o.spec.template.spec.containers[0].envFrom[0].configMapRef.name, key: 'NOPE' } } }), /has no key NOPE/],
    ['an unknown Secret', 'Deployment', 'notifier', (o: any) => (container(o).env.find((e: any) => e.name === 'AUTH_JWT_SECRET').valueFrom.secretKeyRef.name = 'jwt'), /Secret jwt does not exist/],
    ['an unpinned image', 'Deployment', 'writer', (o: any) => (container(o).image = 'registry.example.com/canvas-sync:latest'), /is not pinned/],
    ['an entry script that does not exist', 'Deployment', 'writer', (o: any) => (container(o).args = ['services/writer/dist/mian.js']), /entry services\/writer\/dist\/mian\.js has no source/],
    ['a misspelt field the schema lets through', 'Deployment', 'writer', (o: any) => (o.spec.template.spec.securityContext.runAsNonroot = true), /unknown field spec\.template\.spec\.securityContext\.runAsNonroot/],
    ['a misspelt probe', 'Deployment', 'api', (o: any) => (container(o).readinesProbe = container(o).readinessProbe), /unknown field spec\.template\.spec\.containers\[0\]\.readinesProbe/],
    ['a KEDA field that does not exist', 'ScaledObject', 'fetcher', (o: any) => (o.spec.maxReplicas = 30), /ScaledObject\/fetcher: unknown field spec\.maxReplicas/],
    ['a schema violation', 'Deployment', 'api', (o: any) => (container(o).ports[0].containerPort = '3000'), /schema: .*containerPort must be integer/],
    ['a ScaledObject naming a wrong consumer', 'ScaledObject', 'fetcher', (o: any) => (trigger(o).consumer = 'fetcher-sync-requested'), /trigger consumer "fetcher-sync-requested" is not the fetch durable "fetcher-sync-fetch"/],
    ['a ScaledObject on the wrong stream', 'ScaledObject', 'fetcher', (o: any) => (trigger(o).stream = 'SYNC_RESULTS'), /trigger stream "SYNC_RESULTS" is not the fetch work stream "SYNC_WORK"/],
    ['a ScaledObject targeting a missing Deployment', 'ScaledObject', 'fetcher', (o: any) => (o.spec.scaleTargetRef.name = 'fetchers'), /scaleTargetRef Deployment\/fetchers does not exist/],
    ['a maxReplicaCount the Canvas budget does not justify', 'ScaledObject', 'fetcher', (o: any) => (o.spec.maxReplicaCount = 100), /maxReplicaCount 100 ≠ ceil\(64 syncs × 11 in flight ÷ \(8 units × 10 walks\) per replica\) = 9/],
    ['a monitoring endpoint in another namespace', 'ScaledObject', 'fetcher', (o: any) => (trigger(o).natsServerMonitoringEndpoint = 'nats.default.svc.cluster.local:8222'), /names namespace default, not canvas-sync/],
    ['fetchers allowed to scale to zero', 'ScaledObject', 'fetcher', (o: any) => (o.spec.minReplicaCount = 0), /minReplicaCount must be at least 1/],
    ['a replica count on the autoscaled Deployment', 'Deployment', 'fetcher', (o: any) => (o.spec.replicas = 2), /sets spec\.replicas/],
    ['a KEDA schema violation', 'ScaledObject', 'fetcher', (o: any) => (o.spec.minReplicaCount = 'two'), /ScaledObject\/fetcher: schema: .*minReplicaCount/],
  ])('%s', (_label, kind, name, mutate, expected) => {
    const findings = breakOne(kind, name, mutate);
    expect(findings.some((f) => expected.test(f)), findings.join('\n') || '(no findings)').toBe(true);
  });

  it('reports an object of a kind with no schema, and an HPA beside KEDA', () => {
    const extra: K8sObject[] = [
      { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'canvas-sync' } },
      { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'api', namespace: 'canvas-sync' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, maxReplicas: 4 } },
    ];
    const findings = checkManifests([...structuredClone(pristine), ...extra], OPTIONS).map((f) => `${f.object}: ${f.problem}`);
    expect(findings).toContain('Widget/w: no schema known for example.com/v1 Widget');
    expect(findings).toContain('HorizontalPodAutoscaler/api: no HPA: KEDA owns the fetcher count and the others run fixed replicas');
  });

  it('reports a render without the setup Jobs', () => {
    const findings = checkManifests(structuredClone(pristine).filter((o) => o.kind !== 'Job'), OPTIONS).map((f) => f.problem);
    expect(findings).toEqual(expect.arrayContaining(['no migration Job', 'no stream-provisioning Job']));
  });
});
