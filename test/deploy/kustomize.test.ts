import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kustomizeBuild } from './kustomize.js';
import { jsonPatch, strategicMerge } from './patches.js';

const root = mkdtempSync(join(tmpdir(), 'kustomize-subset-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Writes a kustomization tree (path → content) under a fresh directory and renders `entry`. */
function render(files: Record<string, string>, entry = '.') {
  const dir = mkdtempSync(join(root, 'case-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return kustomizeBuild(join(dir, entry));
}

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: web
          image: canvas-sync
          env: [{ name: A, value: "1" }]
          envFrom: [{ configMapRef: { name: cfg } }]
        - name: side
          image: busybox:1.36
`;

describe('kustomize subset', () => {
  it('names generated ConfigMaps and Secrets with the hash kustomize v5 computes, and rewrites references', () => {
    // Reference values produced by `kubectl kustomize` (kustomize v5.5) for the same input.
    const objects = render({
      'kustomization.yaml': 'resources: [d.yaml]\nconfigMapGenerator:\n- name: x\n  literals: [A=b]\n- name: cfg\n  literals: [A=b]\n',
      'd.yaml': DEPLOYMENT,
    });
    expect(objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('x-'))!.metadata.name).toBe('x-b9t2424hkf');
    const web = objects.find((o) => o.kind === 'Deployment') as any;
    expect(web.spec.template.spec.containers[0].envFrom[0].configMapRef.name).toBe('cfg-b9t2424hkf');
  });

  it('wraps long Secret values in 70-character base64 lines, as kustomize writes them', () => {
    const [secret] = render({ 'kustomization.yaml': `secretGenerator:\n- name: s\n  literals: [url=${'p'.repeat(60)}]\n` }) as any[];
    expect(secret.type).toBe('Opaque');
    expect(secret.data.url.split('\n').map((l: string) => l.length)).toEqual([70, 10, 0]);
    expect(Buffer.from(secret.data.url.replace(/\n/g, ''), 'base64').toString()).toBe('p'.repeat(60));
  });

  it('applies an overlay: merge generator, patches, namespace, template labels and image tags, in kustomize order', () => {
    const objects = render(
      {
        'base/kustomization.yaml': 'resources: [d.yaml]\nlabels:\n- pairs: { team: sync }\n  includeTemplates: true\nconfigMapGenerator:\n- name: cfg\n  literals: [A=1, B=2]\nimages:\n- name: canvas-sync\n  newTag: latest\n',
        'base/d.yaml': DEPLOYMENT,
        'prod/kustomization.yaml': [
          'namespace: prod',
          'resources: [../base]',
          'configMapGenerator:\n- name: cfg\n  behavior: merge\n  literals: [B=3]',
          'images:\n- name: canvas-sync\n  newName: reg.example/canvas-sync\n  newTag: "1.2.3"',
          'patches:',
          '- path: smp.yaml',
          '- target: { kind: Deployment, name: web }\n  patch: |-\n    - op: add\n      path: /spec/template/spec/containers/1/args\n      value: [sleep, "1"]',
        ].join('\n'),
        'prod/smp.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web }\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n        - name: web\n          env: [{ name: B, value: "2" }]\n',
      },
      'prod',
    );
    const cfg = objects.find((o) => o.kind === 'ConfigMap') as any;
    expect(cfg.data).toEqual({ A: '1', B: '3' });
    expect(cfg.metadata).toMatchObject({ namespace: 'prod', labels: { team: 'sync' } });
    const web = objects.find((o) => o.kind === 'Deployment') as any;
    expect(web.metadata.namespace).toBe('prod');
    expect(web.spec.replicas).toBe(3);
    expect(web.spec.selector.matchLabels).toEqual({ app: 'web' });
    expect(web.spec.template.metadata.labels).toEqual({ app: 'web', team: 'sync' });
    const [main, side] = web.spec.template.spec.containers;
    expect(main.image).toBe('reg.example/canvas-sync:1.2.3');
    // kustomize puts the patch's new elements before the originals (checked against kubectl).
    expect(main.env).toEqual([{ name: 'B', value: '2' }, { name: 'A', value: '1' }]);
    expect(main.envFrom[0].configMapRef.name).toBe(cfg.metadata.name);
    expect(side).toEqual({ name: 'side', image: 'busybox:1.36', args: ['sleep', '1'] });
  });

  it('refuses what it does not implement rather than render it wrongly', () => {
    expect(() => render({ 'kustomization.yaml': 'namePrefix: x-\n' })).toThrow(/namePrefix.*outside the supported subset/);
    expect(() => render({ 'kustomization.yaml': 'resources: [d.yaml]\npatches:\n- path: p.yaml\n', 'd.yaml': DEPLOYMENT, 'p.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: other }\n' })).toThrow(/matches nothing/);
    expect(() => strategicMerge({ a: 1 }, { $patch: 'delete' })).toThrow(/not supported/);
    expect(() => jsonPatch({ a: 1 }, [{ op: 'move', path: '/a' }])).toThrow(/not supported/);
    expect(() => jsonPatch({ a: 1 }, [{ op: 'replace', path: '/b', value: 2 }])).toThrow(/missing member/);
  });

  it('merges lists by their Kubernetes merge key and replaces the others', () => {
    const merged = strategicMerge(
      { ports: [{ containerPort: 80, name: 'a' }], args: ['x'], volumeMounts: [{ mountPath: '/tmp', name: 't' }] },
      { ports: [{ containerPort: 80, name: 'b' }], args: ['y'], volumeMounts: [{ mountPath: '/data', name: 'd' }] },
    );
    expect(merged).toEqual({ ports: [{ containerPort: 80, name: 'b' }], args: ['y'], volumeMounts: [{ mountPath: '/data', name: 'd' }, { mountPath: '/tmp', name: 't' }] });
  });
});
