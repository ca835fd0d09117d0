/**
 * The two patch kinds kustomize applies, reduced to what this repository's overlays use:
 * strategic merge (maps merge, known lists merge by their Kubernetes merge key, other lists are
 * replaced) and JSON 6902 (add, remove, replace, test). Anything outside that subset throws, so
 * the renderer can never silently disagree with kustomize.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Lists that Kubernetes merges element by element, keyed by the named field (from the API's patchMergeKey). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
  imagePullSecrets: 'name',
};

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Applies a strategic-merge patch to `target` (returns a new object). */
export function strategicMerge(target: Json, patch: Json, field = ''): Json {
  if (!isObject(patch)) return structuredClone(patch);
  if ('$patch' in patch || Object.keys(patch).some((k) => k.startsWith('$'))) {
    throw new Error(`strategic-merge directives ($patch, $setElementOrder...) are not supported (at ${field || 'root'})`);
  }
  const out: JsonObject = isObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete out[key];
    } else if (Array.isArray(value)) {
      out[key] = mergeList(out[key], value, key);
    } else if (isObject(value)) {
      out[key] = strategicMerge(out[key] ?? null, value, key);
    } else {
      out[key] = value;
    }
  }
  return out;
}

/**
 * Merges a keyed list the way kustomize (kyaml) orders it: the patch's elements first, in patch
 * order (each merged over its original), then the originals the patch did not name.
 */
function mergeList(target: Json | undefined, patch: Json[], field: string): Json[] {
  const key = MERGE_KEYS[field];
  if (!key || !Array.isArray(target)) return structuredClone(patch);
  const keyOf = (item: Json) => {
    if (!isObject(item) || item[key] === undefined) throw new Error(`list "${field}" merges by "${key}", and an element lacks it`);
    return item[key];
  };
  const patched = patch.map((item) => {
    const original = target.find((existing) => keyOf(existing) === keyOf(item));
    return original === undefined ? structuredClone(item) : strategicMerge(original, item, field);
  });
  const named = new Set(patch.map(keyOf));
  return [...patched, ...structuredClone(target.filter((existing) => !named.has(keyOf(existing))))];
}

/** One JSON 6902 operation. */
export interface JsonPatchOp {
  op: string;
  path: string;
  value?: Json;
}

/** Applies JSON 6902 operations in order (returns a new object); a failing `test` or a bad path throws. */
export function jsonPatch(target: Json, ops: JsonPatchOp[]): Json {
  const doc = structuredClone(target);
  for (const op of ops) {
    const tokens = op.path.split('/').slice(1).map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (op.path === '' || op.path[0] !== '/') throw new Error(`JSON patch path must start with "/": "${op.path}"`);
    const last = tokens.pop()!;
    const parent = tokens.reduce<Json>((node, token) => {
      const next = Array.isArray(node) ? node[Number(token)] : isObject(node) ? node[token] : undefined;
      if (next === undefined) throw new Error(`JSON patch path not found: ${op.path}`);
      return next;
    }, doc);
    switch (op.op) {
      case 'add':
      case 'replace':
        if (op.value === undefined) throw new Error(`JSON patch ${op.op} at ${op.path} has no value`);
        if (Array.isArray(parent)) {
          const index = last === '-' ? parent.length : Number(last);
          if (!Number.isInteger(index) || index < 0 || index > parent.length || (op.op === 'replace' && index >= parent.length)) throw new Error(`JSON patch index out of range: ${op.path}`);
          parent.splice(index, op.op === 'replace' ? 1 : 0, structuredClone(op.value));
        } else if (isObject(parent)) {
          if (op.op === 'replace' && !(last in parent)) throw new Error(`JSON patch replace of a missing member: ${op.path}`);
          parent[last] = structuredClone(op.value);
        } else throw new Error(`JSON patch parent is not a container: ${op.path}`);
        break;
      case 'remove':
        if (Array.isArray(parent) && Number(last) < parent.length) parent.splice(Number(last), 1);
        else if (isObject(parent) && last in parent) delete parent[last];
        else throw new Error(`JSON patch remove of a missing member: ${op.path}`);
        break;
      case 'test': {
        const actual = Array.isArray(parent) ? parent[Number(last)] : isObject(parent) ? parent[last] : undefined;
        if (JSON.stringify(actual) !== JSON.stringify(op.value)) throw new Error(`JSON patch test failed at ${op.path}`);
        break;
      }
      default:
        throw new Error(`JSON patch op "${op.op}" is not supported`);
    }
  }
  return doc;
}
