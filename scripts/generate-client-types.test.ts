import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { loadOpenApiDocument } from './client-types/openapi-document.js';
import { API_TYPES_FILE, renderApiTypes } from './client-types/render-api-types.js';
import { schemaToTs } from './client-types/json-schema-to-ts.js';

describe('packages/client generated types', () => {
  it('are what the api serves as /openapi.json today (run `npm run generate -w @canvas-sync/client` when this fails)', async () => {
    const expected = renderApiTypes(await loadOpenApiDocument());
    expect(await readFile(API_TYPES_FILE, 'utf8')).toBe(expected);
  }, 30_000);
});

describe('schemaToTs', () => {
  const ref = (r: string) => `Ref<${r.split('/').pop()}>`;
  it('maps the keywords zod emits', () => {
    expect(schemaToTs({ type: ['string', 'null'] }, ref)).toBe('string | null');
    expect(schemaToTs({ type: 'string', enum: ['a', 'b'] }, ref)).toBe('"a" | "b"');
    expect(schemaToTs({ type: 'boolean', const: true }, ref)).toBe('true');
    expect(schemaToTs({ type: 'array', items: { $ref: '#/components/schemas/X' } }, ref)).toBe('Array<Ref<X>>');
    expect(schemaToTs({ type: 'object', properties: { a: { type: 'integer' }, 'b-c': { type: 'string' } }, required: ['a'] }, ref)).toBe('{\n  a: number;\n  "b-c"?: string;\n}');
    expect(schemaToTs({ type: 'object', propertyNames: { enum: ['x', 'y'] }, additionalProperties: { type: 'number' } }, ref)).toBe('{ [K in "x" | "y"]?: number }');
    expect(schemaToTs({ oneOf: [{ type: 'string' }, { allOf: [{ $ref: '#/a/A' }, { $ref: '#/a/B' }] }] }, ref)).toBe('string | Ref<A> & Ref<B>');
  });

  it('says unknown (never any) for what it does not know', () => {
    expect(schemaToTs({}, ref)).toBe('unknown');
    expect(schemaToTs(true, ref)).toBe('unknown');
    expect(schemaToTs({ type: 'object' }, ref)).toBe('Record<string, unknown>');
  });
});
