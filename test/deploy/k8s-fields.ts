/**
 * Unknown-field detection, which the models' JSON schemas do not do (they allow extra
 * properties): a misspelt `readinesProbe` or `runAsNonroot` passes schema validation and is then
 * silently dropped by the API server. The allowed fields come from the TypeScript declarations
 * of `kubernetes-models` and `@kubernetes-models/keda` (generated from the same OpenAPI), read with
 * the TypeScript compiler, so the check follows the installed Kubernetes version.
 */
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import type { Finding } from './k8s-checks.js';
import type { K8sObject } from './kustomize.js';

/** apiVersion/kind → the model interface that describes it. */
const KINDS: Record<string, [module: string, type: string]> = {
  'v1/Namespace': ['kubernetes-models/v1/Namespace', 'INamespace'],
  'v1/ConfigMap': ['kubernetes-models/v1/ConfigMap', 'IConfigMap'],
  'v1/Secret': ['kubernetes-models/v1/Secret', 'ISecret'],
  'v1/Service': ['kubernetes-models/v1/Service', 'IService'],
  'apps/v1/Deployment': ['kubernetes-models/apps/v1/Deployment', 'IDeployment'],
  'apps/v1/StatefulSet': ['kubernetes-models/apps/v1/StatefulSet', 'IStatefulSet'],
  'batch/v1/Job': ['kubernetes-models/batch/v1/Job', 'IJob'],
  'policy/v1/PodDisruptionBudget': ['kubernetes-models/policy/v1/PodDisruptionBudget', 'IPodDisruptionBudget'],
  'autoscaling/v2/HorizontalPodAutoscaler': ['kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler', 'IHorizontalPodAutoscaler'],
  'keda.sh/v1alpha1/ScaledObject': ['@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject', 'IScaledObject'],
};

let cached: { checker: ts.TypeChecker; types: Map<string, ts.Type> } | undefined;

/** Builds (once) a TypeScript program over the model declarations and resolves each kind's type. */
function modelTypes(): { checker: ts.TypeChecker; types: Map<string, ts.Type> } {
  if (cached) return cached;
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const virtual = `${root}__k8s_kinds__.ts`;
  const text = Object.entries(KINDS)
    .map(([, [module, type]], i) => `import type { ${type} as T${i} } from '${module}';\nexport type K${i} = T${i};`)
    .join('\n');
  const options: ts.CompilerOptions = { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, skipLibCheck: true, noEmit: true, types: [], lib: ['lib.es5.d.ts'] };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version) => (name === virtual ? ts.createSourceFile(name, text, version) : getSourceFile(name, version));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === virtual || fileExists(name);
  const program = ts.createProgram([virtual], options, host);
  const checker = program.getTypeChecker();
  const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(virtual)!)!);
  const types = new Map<string, ts.Type>();
  Object.keys(KINDS).forEach((kind, i) => {
    const symbol = exports.find((s) => s.name === `K${i}`);
    if (!symbol) throw new Error(`model type for ${kind} not found`);
    types.set(kind, checker.getDeclaredTypeOfSymbol(symbol));
  });
  cached = { checker, types };
  return cached;
}

/** Compiles the model declarations ahead of the first check (seconds on a busy machine). */
export function loadFieldModels(): void {
  modelTypes();
}

/** Every field of every object that its model does not declare, as findings. */
export function unknownFieldFindings(objects: K8sObject[]): Finding[] {
  const { checker, types } = modelTypes();
  const findings: Finding[] = [];
  for (const obj of objects) {
    const type = types.get(`${obj.apiVersion}/${obj.kind}`);
    if (!type) continue; // schemaFindings reports kinds without a model
    walk(checker, obj, type, '', (path) => findings.push({ object: `${obj.kind}/${obj.metadata.name}`, problem: `unknown field ${path}` }));
  }
  return findings;
}

function walk(checker: ts.TypeChecker, value: unknown, type: ts.Type, path: string, report: (path: string) => void): void {
  const candidates = (type.isUnion() ? type.types : [type]).filter((t) => !(t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)));
  if (candidates.some((t) => t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown))) return;
  if (Array.isArray(value)) {
    const array = candidates.find((t) => checker.isArrayType(t));
    const element = array ? checker.getTypeArguments(array as ts.TypeReference)[0] : undefined;
    if (element) value.forEach((item, i) => walk(checker, item, element, `${path}[${i}]`, report));
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const objects = candidates.filter((t) => t.flags & ts.TypeFlags.Object && !checker.isArrayType(t));
  if (objects.length === 0) return;
  for (const [key, child] of Object.entries(value)) {
    const here = path ? `${path}.${key}` : key;
    const indexed = objects.map((t) => checker.getIndexTypeOfType(t, ts.IndexKind.String)).find((t) => t !== undefined);
    const property = objects.map((t) => t.getProperty(key)).find((p) => p !== undefined);
    if (property) walk(checker, child, checker.getTypeOfSymbol(property), here, report);
    else if (indexed) walk(checker, child, indexed, here, report);
    else report(here);
  }
}
