/**
 * A small, faithful subset of `kustomize build`, because CI machines have no kustomize binary
 * and no npm package ships one. Supported kustomization fields: resources (files and
 * directories), namespace, labels (with includeTemplates / includeSelectors), images,
 * configMapGenerator and secretGenerator (literals; behavior create/merge/replace; name hash
 * suffix as kustomize computes it, with references rewritten), and patches (strategic merge or
 * JSON 6902, from a path or inline, with a target). Any other field throws. Where `kubectl
 * kustomize` exists, the tests compare this output with it object by object.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { isObject, jsonPatch, strategicMerge, type Json, type JsonObject, type JsonPatchOp } from './patches.js';

/** A rendered Kubernetes object. */
export type K8sObject = JsonObject & { apiVersion: string; kind: string; metadata: JsonObject & { name: string; namespace?: string } };

interface Resource {
  obj: K8sObject;
  /** Generated ConfigMap/Secret: gets a content-hash suffix when the top-level build ends. */
  generated: boolean;
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'labels', 'images', 'configMapGenerator', 'secretGenerator', 'patches']);
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PersistentVolume', 'StorageClass', 'PriorityClass', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']);
const TEMPLATE_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'ReplicationController']);

/** Reads every YAML document of a file as objects (empty documents skipped). */
export function readYamlObjects(path: string): K8sObject[] {
  return parseYamlObjects(readFileSync(path, 'utf8'), path);
}

/** Parses a multi-document YAML string; a syntax error throws with the file name. */
export function parseYamlObjects(text: string, source: string): K8sObject[] {
  const docs = parseAllDocuments(text, { merge: false });
  const out: K8sObject[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (!isObject(value)) throw new Error(`${source}: a document is not a mapping`);
    out.push(value as K8sObject);
  }
  return out;
}

/** Renders the kustomization in `dir` (a directory holding kustomization.yaml). */
export function kustomizeBuild(dir: string): K8sObject[] {
  const resources = build(dir);
  return finalizeGenerated(resources);
}

function build(dir: string): Resource[] {
  const [k] = readYamlObjects(join(dir, 'kustomization.yaml')) as unknown as Array<Record<string, unknown>>;
  if (!k) throw new Error(`${dir}: empty kustomization.yaml`);
  for (const key of Object.keys(k)) {
    if (!SUPPORTED.has(key)) throw new Error(`${dir}/kustomization.yaml: field "${key}" is outside the supported subset`);
  }
  let resources: Resource[] = [];
  for (const entry of (k.resources as string[] | undefined) ?? []) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) resources.push(...build(path));
    else resources.push(...readYamlObjects(path).map((obj) => ({ obj, generated: false })));
  }
  resources = applyGenerators(resources, k, dir);
  assertUnique(resources, dir);
  // kustomize's transformer order: patches, namespace, labels, images.
  for (const patch of (k.patches as Array<Record<string, unknown>> | undefined) ?? []) applyPatch(resources, patch, dir);
  if (typeof k.namespace === 'string') {
    for (const r of resources) if (!CLUSTER_SCOPED.has(r.obj.kind)) r.obj.metadata.namespace = k.namespace;
  }
  for (const spec of (k.labels as Array<Record<string, unknown>> | undefined) ?? []) applyLabels(resources, spec);
  for (const image of (k.images as Array<Record<string, string>> | undefined) ?? []) applyImage(resources, image);
  return resources;
}

function applyGenerators(resources: Resource[], k: Record<string, unknown>, dir: string): Resource[] {
  const gens = [
    ...((k.configMapGenerator as Array<Record<string, unknown>> | undefined) ?? []).map((g) => ({ g, kind: 'ConfigMap' })),
    ...((k.secretGenerator as Array<Record<string, unknown>> | undefined) ?? []).map((g) => ({ g, kind: 'Secret' })),
  ];
  for (const { g, kind } of gens) {
    for (const key of Object.keys(g)) if (!['name', 'literals', 'behavior', 'type'].includes(key)) throw new Error(`${dir}: generator field "${key}" is outside the supported subset`);
    const data: Record<string, string> = {};
    for (const literal of (g.literals as string[] | undefined) ?? []) {
      const eq = literal.indexOf('=');
      if (eq < 1) throw new Error(`${dir}: generator literal "${literal}" is not KEY=VALUE`);
      const value = literal.slice(eq + 1);
      data[literal.slice(0, eq)] = kind === 'Secret' ? secretBase64(value) : value;
    }
    const name = String(g.name);
    const behavior = (g.behavior as string | undefined) ?? 'create';
    const existing = resources.find((r) => r.generated && r.obj.kind === kind && r.obj.metadata.name === name);
    if (behavior === 'create') {
      if (existing) throw new Error(`${dir}: ${kind} ${name} is already generated (use behavior: merge)`);
      const obj: K8sObject = { apiVersion: 'v1', kind, metadata: { name }, data };
      if (kind === 'Secret') obj.type = (g.type as string | undefined) ?? 'Opaque';
      resources.push({ obj, generated: true });
    } else if (behavior === 'merge' || behavior === 'replace') {
      if (!existing) throw new Error(`${dir}: no generated ${kind} ${name} to ${behavior}`);
      existing.obj.data = behavior === 'merge' ? { ...(existing.obj.data as JsonObject), ...data } : data;
    } else throw new Error(`${dir}: generator behavior "${behavior}" is not supported`);
  }
  return resources;
}

/** Base64 as kustomize writes Secret data: past 70 characters, in lines of 70, each ending in a newline. */
function secretBase64(value: string): string {
  const b64 = Buffer.from(value).toString('base64');
  if (b64.length <= 70) return b64;
  return b64.match(/.{1,70}/g)!.map((line) => `${line}\n`).join('');
}

function applyPatch(resources: Resource[], patch: Record<string, unknown>, dir: string): void {
  const text = typeof patch.path === 'string' ? readFileSync(join(dir, patch.path), 'utf8') : String(patch.patch ?? '');
  const first = parseAllDocuments(text)[0]?.toJS() as unknown;
  if (Array.isArray(first)) {
    const target = patch.target as Record<string, string> | undefined;
    if (!target) throw new Error(`${dir}: a JSON 6902 patch needs a target`);
    const matches = resources.filter((r) => matchesTarget(r.obj, target));
    if (matches.length === 0) throw new Error(`${dir}: patch target ${JSON.stringify(target)} matches nothing`);
    for (const r of matches) r.obj = jsonPatch(r.obj, first as JsonPatchOp[]) as K8sObject;
    return;
  }
  for (const doc of parseYamlObjects(text, typeof patch.path === 'string' ? patch.path : `${dir} inline patch`)) {
    const target = (patch.target as Record<string, string> | undefined) ?? { kind: doc.kind, name: doc.metadata.name };
    const matches = resources.filter((r) => matchesTarget(r.obj, target));
    if (matches.length === 0) throw new Error(`${dir}: strategic-merge patch for ${doc.kind}/${doc.metadata.name} matches nothing`);
    for (const r of matches) r.obj = strategicMerge(r.obj, { ...doc, metadata: { ...doc.metadata, name: r.obj.metadata.name } }) as K8sObject;
  }
}

function matchesTarget(obj: K8sObject, target: Record<string, string>): boolean {
  const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : ['', obj.apiVersion];
  for (const key of Object.keys(target)) if (!['group', 'version', 'kind', 'name', 'namespace'].includes(key)) throw new Error(`patch target field "${key}" is not supported`);
  return (
    (target.group === undefined || target.group === group) &&
    (target.version === undefined || target.version === version) &&
    (target.kind === undefined || target.kind === obj.kind) &&
    (target.name === undefined || target.name === obj.metadata.name) &&
    (target.namespace === undefined || target.namespace === obj.metadata.namespace)
  );
}

function applyLabels(resources: Resource[], spec: Record<string, unknown>): void {
  for (const key of Object.keys(spec)) if (!['pairs', 'includeTemplates', 'includeSelectors'].includes(key)) throw new Error(`labels field "${key}" is not supported`);
  const pairs = spec.pairs as Record<string, string>;
  const add = (holder: JsonObject, field: string) => {
    holder[field] = { ...(isObject(holder[field]) ? holder[field] : {}), ...pairs };
  };
  for (const { obj } of resources) {
    add(obj.metadata, 'labels');
    const templateSpec = obj.kind === 'CronJob' ? ((obj.spec as JsonObject | undefined)?.jobTemplate as JsonObject | undefined)?.spec : obj.spec;
    if ((spec.includeTemplates || spec.includeSelectors) && (TEMPLATE_KINDS.has(obj.kind) || obj.kind === 'CronJob') && isObject(templateSpec) && isObject(templateSpec.template)) {
      const template = templateSpec.template;
      template.metadata = isObject(template.metadata) ? template.metadata : {};
      add(template.metadata, 'labels');
    }
    if (spec.includeSelectors) throw new Error('labels.includeSelectors is outside the supported subset (selectors are immutable: keep them out)');
  }
}

function applyImage(resources: Resource[], image: Record<string, string>): void {
  for (const key of Object.keys(image)) if (!['name', 'newName', 'newTag', 'digest'].includes(key)) throw new Error(`images field "${key}" is not supported`);
  const visit = (node: Json): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!isObject(node)) return;
    for (const [key, value] of Object.entries(node)) {
      if ((key === 'containers' || key === 'initContainers') && Array.isArray(value)) {
        for (const c of value) if (isObject(c) && typeof c.image === 'string') c.image = retag(c.image, image);
      }
      visit(value);
    }
  };
  for (const r of resources) visit(r.obj);
}

function retag(current: string, image: Record<string, string>): string {
  const at = current.indexOf('@');
  const withoutDigest = at === -1 ? current : current.slice(0, at);
  const colon = withoutDigest.lastIndexOf(':');
  const hasTag = colon > withoutDigest.lastIndexOf('/');
  const name = hasTag ? withoutDigest.slice(0, colon) : withoutDigest;
  if (name !== image.name) return current;
  const tag = hasTag ? withoutDigest.slice(colon + 1) : undefined;
  const newName = image.newName ?? name;
  if (image.digest) return `${newName}@${image.digest}`;
  if (image.newTag) return `${newName}:${image.newTag}`;
  if (at !== -1) return `${newName}${current.slice(at)}`;
  return tag ? `${newName}:${tag}` : newName;
}

function assertUnique(resources: Resource[], dir: string): void {
  const seen = new Set<string>();
  for (const { obj } of resources) {
    const id = `${obj.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
    if (seen.has(id)) throw new Error(`${dir}: ${id} is defined twice`);
    seen.add(id);
  }
}

/** Adds the content hash to generated names and rewrites the references to them (kustomize's nameReference). */
function finalizeGenerated(resources: Resource[]): K8sObject[] {
  const renamed = new Map<string, string>();
  for (const r of resources.filter((x) => x.generated)) {
    const name = `${r.obj.metadata.name}-${kustomizeHash(r.obj)}`;
    renamed.set(`${r.obj.kind}/${r.obj.metadata.name}`, name);
    r.obj.metadata.name = name;
  }
  const ref = (kind: string, holder: JsonObject, field: string) => {
    const next = renamed.get(`${kind}/${String(holder[field])}`);
    if (next) holder[field] = next;
  };
  const visit = (node: Json, parentKey: string): void => {
    if (Array.isArray(node)) return node.forEach((n) => visit(n, parentKey));
    if (!isObject(node)) return;
    if (parentKey === 'configMapKeyRef' || parentKey === 'configMapRef' || parentKey === 'configMap') ref('ConfigMap', node, 'name');
    if (parentKey === 'secretKeyRef' || parentKey === 'secretRef') ref('Secret', node, 'name');
    if (parentKey === 'secret') ref('Secret', node, node.secretName !== undefined ? 'secretName' : 'name');
    for (const [key, value] of Object.entries(node)) visit(value, key);
  };
  for (const r of resources) if (!r.generated) visit(r.obj, '');
  return resources.map((r) => r.obj);
}

/**
 * kustomize's generator hash: sha256 of Go's json.Marshal of {kind, name, data[, type]} (keys
 * sorted, <, > and & escaped), first 10 hex digits with 0,1,3,a,e mapped to g,h,k,m,t. `name` is
 * always "": kustomize v5 looks it up as the single field "metadata/name", which never exists
 * (verified against `kubectl kustomize`, kustomize v5.5).
 */
export function kustomizeHash(obj: K8sObject): string {
  const encoded: Record<string, unknown> = { data: obj.data ?? {}, kind: obj.kind, name: '' };
  if (obj.kind === 'Secret') encoded.type = obj.type ?? 'Opaque';
  const hex = createHash('sha256').update(goJson(encoded)).digest('hex');
  const swap: Record<string, string> = { '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' };
  return [...hex.slice(0, 10)].map((c) => swap[c] ?? c).join('');
}

function goJson(value: unknown): string {
  if (isObject(value as Json)) {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .sort()
      .map((k) => `${goJson(k)}:${goJson(obj[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
