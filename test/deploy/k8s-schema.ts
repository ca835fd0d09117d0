/**
 * Schema validation of rendered objects with the OpenAPI-derived models of `kubernetes-models`
 * (core, apps, batch, policy, autoscaling) and `@kubernetes-models/keda`. An object of a kind
 * with no model is itself a finding: everything we ship must be checked against a schema.
 */
import * as keda from '@kubernetes-models/keda/keda.sh/v1alpha1';
import * as appsV1 from 'kubernetes-models/apps/v1';
import * as autoscalingV2 from 'kubernetes-models/autoscaling/v2';
import * as batchV1 from 'kubernetes-models/batch/v1';
import * as policyV1 from 'kubernetes-models/policy/v1';
import * as coreV1 from 'kubernetes-models/v1';
import type { Finding } from './k8s-checks.js';
import type { K8sObject } from './kustomize.js';

type ModelClass = new (data: K8sObject) => { validate(): void };

const GROUPS: Record<string, Record<string, unknown>> = {
  v1: coreV1,
  'apps/v1': appsV1,
  'batch/v1': batchV1,
  'policy/v1': policyV1,
  'autoscaling/v2': autoscalingV2,
  'keda.sh/v1alpha1': keda,
};

/** Validates each object against its Kubernetes or KEDA schema. */
export function schemaFindings(objects: K8sObject[]): Finding[] {
  const findings: Finding[] = [];
  for (const obj of objects) {
    const id = `${obj.kind}/${obj.metadata?.name ?? '?'}`;
    const model = GROUPS[obj.apiVersion]?.[obj.kind] as ModelClass | undefined;
    if (typeof model !== 'function') {
      findings.push({ object: id, problem: `no schema known for ${obj.apiVersion} ${obj.kind}` });
      continue;
    }
    try {
      new model(normalize(obj)).validate();
    } catch (err) {
      findings.push({ object: id, problem: `schema: ${(err as Error).message}` });
    }
  }
  return findings;
}

/**
 * kustomize wraps long Secret values in lines of 70 base64 characters; the API server decodes
 * them (Go's base64 decoder skips newlines) but the models' strict "byte" format does not.
 */
function normalize(obj: K8sObject): K8sObject {
  if (obj.kind !== 'Secret' || typeof obj.data !== 'object' || obj.data === null) return obj;
  const data = Object.fromEntries(Object.entries(obj.data).map(([k, v]) => [k, typeof v === 'string' ? v.replace(/[\r\n]/g, '') : v]));
  return { ...obj, data };
}
