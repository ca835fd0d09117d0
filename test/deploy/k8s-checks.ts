/**
 * What schema validation cannot see: fields the models do not declare (k8s-fields.ts), every container has probes, resources and a locked-down
 * securityContext; probes, Services and PDBs point at ports and pods that exist; config and
 * secret references resolve; the grace period outlasts the services' shutdown deadline; the KEDA
 * ScaledObject scales an existing Deployment on the stream and durable that packages/shared
 * defines, with a maxReplicaCount that follows from the Canvas budget arithmetic.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { consumerConfigs, DURABLES, namespace } from '@canvas-sync/shared';
import { DEFAULT_MAX_IN_FLIGHT } from '../../services/fetcher/src/budget/budget-policy.js';
import { DEFAULT_COURSE_CONCURRENCY, DEFAULT_FETCHER_CONCURRENCY } from '../../services/fetcher/src/config.js';
import { isObject, type JsonObject } from './patches.js';
import type { K8sObject } from './kustomize.js';
import { unknownFieldFindings } from './k8s-fields.js';
import { schemaFindings } from './k8s-schema.js';

/** One problem in one object. */
export interface Finding {
  object: string;
  problem: string;
}

/** Facts about the environment the render is checked for. */
export interface CheckOptions {
  /** Secrets created outside the repository (by the operator), by name. */
  externalSecrets?: string[];
  /** Require pinned image tags (no `latest`, no untagged images). */
  pinnedImages?: boolean;
  /** Repository root, to check that entry scripts exist as sources. */
  repoRoot: string;
}

type Container = JsonObject & { name: string; image?: string };
interface Workload {
  obj: K8sObject;
  pod: JsonObject;
  podLabels: Record<string, string>;
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job']);
const LONG_RUNNING = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);
/** The port variable each service reads, by entry script. */
const PORT_VARS: Record<string, string> = { api: 'API_PORT', notifier: 'NOTIFIER_PORT', fetcher: 'HEALTH_PORT', writer: 'HEALTH_PORT' };
/** Where each service serves `/metrics`: api and notifier on an operator-only port, never their public one. */
const METRICS_VARS: Record<string, string> = { api: 'METRICS_PORT', notifier: 'METRICS_PORT', fetcher: 'HEALTH_PORT', writer: 'HEALTH_PORT' };

/** Runs the schema validation and every cross-object check; an empty list means the render is sound. */
export function checkManifests(objects: K8sObject[], options: CheckOptions): Finding[] {
  const findings = [...schemaFindings(objects), ...unknownFieldFindings(objects)];
  const add = (obj: K8sObject, problem: string) => findings.push({ object: `${obj.kind}/${obj.metadata.name}`, problem });
  const workloads = objects.filter((o) => WORKLOAD_KINDS.has(o.kind)).map(toWorkload);

  for (const w of workloads) checkWorkload(w, objects, options, (p) => add(w.obj, p));
  for (const svc of objects.filter((o) => o.kind === 'Service')) checkService(svc, workloads, (p) => add(svc, p));
  for (const pdb of objects.filter((o) => o.kind === 'PodDisruptionBudget')) {
    const match = matchLabels(pdb.spec, 'selector');
    if (!workloads.some((w) => sameNamespace(w.obj, pdb) && selects(match, w.podLabels))) add(pdb, 'selector matches no pods');
  }
  // Anything that runs (or may be scaled to) several pods must survive node drains in order.
  for (const w of workloads.filter((x) => LONG_RUNNING.has(x.obj.kind) && (x.obj.spec as JsonObject).replicas !== 1)) {
    const covered = objects.some((p) => p.kind === 'PodDisruptionBudget' && sameNamespace(p, w.obj) && selects(matchLabels(p.spec, 'selector'), w.podLabels));
    if (!covered) add(w.obj, 'no PodDisruptionBudget covers its pods');
  }
  for (const hpa of objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')) add(hpa, 'no HPA: KEDA owns the fetcher count and the others run fixed replicas');
  for (const so of objects.filter((o) => o.kind === 'ScaledObject')) checkScaledObject(so, objects, workloads, (p) => add(so, p));
  if (!workloads.some((w) => w.obj.kind === 'Job' && entryOf(w.pod) === 'packages/shared/dist/db/migrate.cli.js')) findings.push({ object: '(render)', problem: 'no migration Job' });
  if (!workloads.some((w) => w.obj.kind === 'Job' && entryOf(w.pod) === 'packages/shared/dist/nats/provision.cli.js')) findings.push({ object: '(render)', problem: 'no stream-provisioning Job' });
  return findings;
}

function toWorkload(obj: K8sObject): Workload {
  const template = ((obj.spec as JsonObject | undefined)?.template ?? {}) as JsonObject;
  const pod = (template.spec ?? {}) as JsonObject;
  const podLabels = (((template.metadata ?? {}) as JsonObject).labels ?? {}) as Record<string, string>;
  return { obj, pod, podLabels };
}

function checkWorkload(w: Workload, objects: K8sObject[], options: CheckOptions, add: (p: string) => void): void {
  const { obj, pod } = w;
  if (obj.kind !== 'Job' && !selects(matchLabels(obj.spec, 'selector'), w.podLabels)) add('selector does not match its pod template labels');
  const podSec = (pod.securityContext ?? {}) as JsonObject;
  const containers = (pod.containers ?? []) as Container[];
  const inits = (pod.initContainers ?? []) as Container[];
  const claims = ((obj.spec as JsonObject | undefined)?.volumeClaimTemplates ?? []) as JsonObject[];
  const volumes = new Set([...((pod.volumes ?? []) as JsonObject[]), ...claims.map((t) => (t.metadata ?? {}) as JsonObject)].map((v) => String(v.name)));
  for (const c of [...inits, ...containers]) {
    const where = `container ${c.name}`;
    const res = (c.resources ?? {}) as JsonObject;
    for (const part of ['requests', 'limits'] as const) {
      for (const r of ['cpu', 'memory']) if (!isObject(res[part]) || (res[part] as JsonObject)[r] === undefined) add(`${where}: no resources.${part}.${r}`);
    }
    const sec = (c.securityContext ?? {}) as JsonObject;
    if (sec.allowPrivilegeEscalation !== false) add(`${where}: securityContext.allowPrivilegeEscalation must be false`);
    if (sec.readOnlyRootFilesystem !== true) add(`${where}: securityContext.readOnlyRootFilesystem must be true`);
    const drop = ((sec.capabilities as JsonObject | undefined)?.drop ?? []) as string[];
    if (!drop.includes('ALL')) add(`${where}: securityContext.capabilities.drop must include ALL`);
    if (sec.runAsNonRoot !== true && podSec.runAsNonRoot !== true) add(`${where}: runAsNonRoot is not set`);
    const seccomp = ((sec.seccompProfile ?? podSec.seccompProfile) as JsonObject | undefined)?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') add(`${where}: seccompProfile must be RuntimeDefault`);
    for (const m of (c.volumeMounts ?? []) as JsonObject[]) if (!volumes.has(String(m.name))) add(`${where}: mounts unknown volume ${String(m.name)}`);
    checkRefs(c, obj, pod, objects, options, (p) => add(`${where}: ${p}`));
    if (typeof c.image === 'string' && options.pinnedImages && (/:latest$/.test(c.image) || !/[:@]/.test(c.image.split('/').pop()!))) add(`${where}: image ${c.image} is not pinned`);
    const entry = ((c.args ?? []) as string[])[0];
    if (entry && /\/dist\/.*\.js$/.test(entry) && !existsSync(join(options.repoRoot, entry.replace('/dist/', '/src/').replace(/\.js$/, '.ts')))) add(`${where}: entry ${entry} has no source`);
  }
  if (!LONG_RUNNING.has(obj.kind)) return;
  for (const c of containers) checkServingContainer(c, w, objects, (p) => add(`container ${c.name}: ${p}`));
}

/** Probes, ports and the shutdown budget of a long-running container. */
function checkServingContainer(c: Container, w: Workload, objects: K8sObject[], add: (p: string) => void): void {
  const ports = (c.ports ?? []) as JsonObject[];
  const probePort = (probe: JsonObject) => (((probe.httpGet ?? probe.tcpSocket ?? probe.grpc) as JsonObject | undefined)?.port ?? null) as string | number | null;
  for (const kind of ['readinessProbe', 'livenessProbe'] as const) {
    const probe = c[kind] as JsonObject | undefined;
    if (!probe) {
      add(`no ${kind}`);
      continue;
    }
    const port = probePort(probe);
    if (port !== null && !ports.some((p) => p.name === port || p.containerPort === port)) add(`${kind} port ${String(port)} is not a container port`);
  }
  const service = serviceOf(entryOf(w.pod, c));
  if (!service) return;
  // A canvas-sync service: readiness is /readyz (NATS + Postgres), liveness /livez (process only).
  const path = (probe: unknown) => ((probe as JsonObject | undefined)?.httpGet as JsonObject | undefined)?.path;
  if (path(c.readinessProbe) !== '/readyz') add('readinessProbe must GET /readyz');
  if (path(c.livenessProbe) !== '/livez') add('livenessProbe must GET /livez');
  const env = resolveEnv(c, w.obj, objects);
  const portVar = PORT_VARS[service]!;
  if (!ports.some((p) => String(p.containerPort) === env[portVar])) add(`${portVar}=${env[portVar] ?? '(unset)'} is not a container port`);
  // Prometheus must scrape the port /metrics is really served on.
  const annotations = ((((w.obj.spec as JsonObject | undefined)?.template as JsonObject | undefined)?.metadata as JsonObject | undefined)?.annotations ?? {}) as Record<string, string>;
  if (annotations['prometheus.io/scrape'] === 'true') {
    const scrapePort = annotations['prometheus.io/port'];
    const metricsVar = METRICS_VARS[service]!;
    if (scrapePort !== env[metricsVar]) add(`prometheus.io/port ${scrapePort ?? '(unset)'} is not ${metricsVar}=${env[metricsVar] ?? '(unset)'}, where /metrics is served`);
    if (!ports.some((p) => String(p.containerPort) === scrapePort)) add(`prometheus.io/port ${scrapePort ?? '(unset)'} is not a container port`);
  }
  const shutdownMs = Number(env.SHUTDOWN_TIMEOUT_MS ?? 20_000);
  const preStop = ((((c.lifecycle as JsonObject | undefined)?.preStop as JsonObject | undefined)?.exec as JsonObject | undefined)?.command ?? []) as string[];
  const pause = preStop[0] === 'sleep' ? Number(preStop[1]) : 0;
  const grace = Number(w.pod.terminationGracePeriodSeconds ?? 30);
  if (!(grace > shutdownMs / 1000 + pause)) add(`terminationGracePeriodSeconds ${grace} must exceed preStop ${pause}s + SHUTDOWN_TIMEOUT_MS ${shutdownMs / 1000}s`);
  if (!((c.volumeMounts ?? []) as JsonObject[]).some((m) => m.mountPath === '/tmp')) add('read-only root filesystem but no writable /tmp');
}

function checkRefs(c: Container, obj: K8sObject, pod: JsonObject, objects: K8sObject[], options: CheckOptions, add: (p: string) => void): void {
  const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name && sameNamespace(o, obj));
  const needKey = (kind: 'ConfigMap' | 'Secret', name: string, key?: string) => {
    const target = find(kind, name);
    if (!target) {
      if (kind === 'Secret' && options.externalSecrets?.includes(name)) return;
      return add(`${kind} ${name} does not exist`);
    }
    if (key !== undefined && !(key in ((target.data ?? {}) as JsonObject))) add(`${kind} ${name} has no key ${key}`);
  };
  for (const e of (c.env ?? []) as JsonObject[]) {
    const from = (e.valueFrom ?? {}) as JsonObject;
    const cm = from.configMapKeyRef as JsonObject | undefined;
    const sec = from.secretKeyRef as JsonObject | undefined;
    if (cm) needKey('ConfigMap', String(cm.name), String(cm.key));
    // An optional key may be missing: the kubelet then leaves the variable unset (e.g. WEBHOOK_URL = webhooks off).
    if (sec) needKey('Secret', String(sec.name), sec.optional === true ? undefined : String(sec.key));
  }
  for (const e of (c.envFrom ?? []) as JsonObject[]) {
    if (isObject(e.configMapRef)) needKey('ConfigMap', String(e.configMapRef.name));
    if (isObject(e.secretRef)) needKey('Secret', String(e.secretRef.name));
  }
  const mounted = new Set(((c.volumeMounts ?? []) as JsonObject[]).map((m) => String(m.name)));
  for (const v of (pod.volumes ?? []) as JsonObject[]) {
    if (!mounted.has(String(v.name))) continue;
    if (isObject(v.configMap)) needKey('ConfigMap', String(v.configMap.name));
    if (isObject(v.secret)) {
      for (const item of (v.secret.items ?? []) as JsonObject[]) needKey('Secret', String(v.secret.secretName), String(item.key));
      if (!v.secret.items) needKey('Secret', String(v.secret.secretName));
    }
  }
}

function checkService(svc: K8sObject, workloads: Workload[], add: (p: string) => void): void {
  const selector = ((svc.spec as JsonObject | undefined)?.selector ?? {}) as Record<string, string>;
  const backends = workloads.filter((w) => sameNamespace(w.obj, svc) && selects(selector, w.podLabels));
  if (backends.length === 0) return add('selector matches no pod template');
  for (const port of ((svc.spec as JsonObject).ports ?? []) as JsonObject[]) {
    const target = port.targetPort ?? port.port;
    const served = backends.some((w) => ((w.pod.containers ?? []) as Container[]).some((c) => ((c.ports ?? []) as JsonObject[]).some((p) => p.name === target || p.containerPort === target)));
    if (!served) add(`targetPort ${String(target)} is not a port of the selected pods`);
  }
}

function checkScaledObject(so: K8sObject, objects: K8sObject[], workloads: Workload[], add: (p: string) => void): void {
  const spec = so.spec as JsonObject;
  const ref = spec.scaleTargetRef as JsonObject;
  const target = workloads.find((w) => w.obj.kind === String(ref.kind ?? 'Deployment') && w.obj.metadata.name === ref.name && sameNamespace(w.obj, so));
  if (!target) return add(`scaleTargetRef ${String(ref.kind ?? 'Deployment')}/${String(ref.name)} does not exist`);
  if (!(Number(spec.minReplicaCount ?? 0) >= 1)) add('minReplicaCount must be at least 1: fetchers also plan new syncs, which the lag trigger does not see');
  if ((target.obj.spec as JsonObject).replicas !== undefined) add(`${target.obj.metadata.name} sets spec.replicas, which fights the autoscaler on every apply`);
  const container = ((target.pod.containers ?? []) as Container[])[0]!;
  const env = resolveEnv(container, target.obj, objects);
  const ns = namespace(env.NATS_NAMESPACE ?? '');
  const fetchDef = consumerConfigs(ns).find((c) => c.config.durable_name === DURABLES.fetcher)!;
  const triggers = (spec.triggers ?? []) as JsonObject[];
  const js = triggers.find((t) => t.type === 'nats-jetstream');
  if (!js) return add('no nats-jetstream trigger');
  const meta = (js.metadata ?? {}) as Record<string, string>;
  if (meta.stream !== fetchDef.stream) add(`trigger stream "${meta.stream}" is not the fetch work stream "${fetchDef.stream}"`);
  if (meta.consumer !== fetchDef.config.durable_name) add(`trigger consumer "${meta.consumer}" is not the fetch durable "${fetchDef.config.durable_name}"`);
  if (!meta.account) add('trigger has no account ($G without NATS accounts)');
  if (!/^[1-9]\d*$/.test(meta.lagThreshold ?? '')) add(`lagThreshold "${meta.lagThreshold}" is not a positive integer`);
  const endpoint = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local:(\d+)$/.exec(meta.natsServerMonitoringEndpoint ?? '');
  if (!endpoint) add(`natsServerMonitoringEndpoint "${meta.natsServerMonitoringEndpoint}" is not <service>.<namespace>.svc.cluster.local:<port>`);
  else {
    const [, svcName, svcNs, port] = endpoint;
    if (so.metadata.namespace !== undefined && svcNs !== so.metadata.namespace) add(`natsServerMonitoringEndpoint names namespace ${svcNs}, not ${so.metadata.namespace}`);
    const svc = objects.find((o) => o.kind === 'Service' && o.metadata.name === svcName && (o.metadata.namespace ?? svcNs) === svcNs);
    if (svc && !(((svc.spec as JsonObject).ports ?? []) as JsonObject[]).some((p) => String(p.port) === port)) add(`Service ${svcName} has no port ${port}`);
    if (!svc && so.metadata.namespace !== undefined) add(`natsServerMonitoringEndpoint Service ${svcName} is not in the render`);
  }
  // maxReplicaCount = ceil(peak concurrent syncs × requests in flight per token ÷ requests in flight
  // per replica), a replica keeping FETCHER_CONCURRENCY units of FETCHER_COURSE_CONCURRENCY walks
  // each (no more than its token's budget). Unset variables take the fetcher's own defaults.
  const peak = Number((so.metadata.annotations as JsonObject | undefined)?.['canvas-sync.io/peak-concurrent-syncs']);
  const perToken = Number(env.CANVAS_MAX_IN_FLIGHT ?? DEFAULT_MAX_IN_FLIGHT);
  const units = Number(env.FETCHER_CONCURRENCY ?? DEFAULT_FETCHER_CONCURRENCY);
  const walks = Math.min(Number(env.FETCHER_COURSE_CONCURRENCY ?? DEFAULT_COURSE_CONCURRENCY), perToken);
  const expected = Math.ceil((peak * perToken) / (units * walks));
  if (!Number.isFinite(peak) || peak <= 0) add('no canvas-sync.io/peak-concurrent-syncs annotation to size maxReplicaCount from');
  else if (spec.maxReplicaCount !== expected) add(`maxReplicaCount ${String(spec.maxReplicaCount)} ≠ ceil(${peak} syncs × ${perToken} in flight ÷ (${units} units × ${walks} walks) per replica) = ${expected}`);
}

/** The plain environment of a container: its ConfigMap envFrom data, then its literal env values. */
export function resolveEnv(c: Container, owner: K8sObject, objects: K8sObject[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of (c.envFrom ?? []) as JsonObject[]) {
    const name = isObject(e.configMapRef) ? e.configMapRef.name : undefined;
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name && sameNamespace(o, owner));
    Object.assign(env, (cm?.data ?? {}) as Record<string, string>);
  }
  for (const e of (c.env ?? []) as JsonObject[]) if (typeof e.value === 'string') env[String(e.name)] = e.value;
  return env;
}

function entryOf(pod: JsonObject, container?: Container): string | undefined {
  const c = container ?? ((pod.containers ?? []) as Container[])[0];
  return ((c?.args ?? []) as string[])[0];
}

function serviceOf(entry: string | undefined): string | undefined {
  return /^services\/([a-z-]+)\/dist\/main\.js$/.exec(entry ?? '')?.[1];
}

function matchLabels(spec: unknown, field: string): Record<string, string> {
  return ((((spec ?? {}) as JsonObject)[field] as JsonObject | undefined)?.matchLabels ?? {}) as Record<string, string>;
}

function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  const keys = Object.keys(selector);
  return keys.length > 0 && keys.every((k) => labels[k] === selector[k]);
}

function sameNamespace(a: K8sObject, b: K8sObject): boolean {
  return (a.metadata.namespace ?? '') === (b.metadata.namespace ?? '');
}
