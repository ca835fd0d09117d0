/**
 * A JSON Schema (the OpenAPI 3.1 dialect that zod's `toJSONSchema` emits) as a TypeScript type
 * expression. Only the keywords that change a type are read (validation keywords such as
 * `pattern` or `maximum` are not types); anything it does not know becomes `unknown`, never `any`,
 * so an unsupported schema weakens a type instead of lying about it.
 */
export type JsonSchema = boolean | { [keyword: string]: unknown };

/** How a `$ref` is written in the output (e.g. `#/components/schemas/Error` → `Schemas['Error']`). */
export type RefNamer = (ref: string) => string;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A property key as TypeScript source. */
export function propertyKey(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

const indentOf = (depth: number): string => '  '.repeat(depth);

/** The TypeScript type of `schema`, laid out for `depth` levels of indentation. */
export function schemaToTs(schema: JsonSchema | undefined, refName: RefNamer, depth = 0): string {
  if (schema === undefined || schema === true) return 'unknown';
  if (schema === false) return 'never';
  const s = schema;
  if (typeof s.$ref === 'string') return refName(s.$ref);
  if ('const' in s) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(' | ') || 'never';
  for (const key of ['oneOf', 'anyOf'] as const) {
    const options = s[key];
    if (Array.isArray(options)) return union(options.map((o) => schemaToTs(o as JsonSchema, refName, depth)));
  }
  if (Array.isArray(s.allOf)) return s.allOf.map((o) => parenthesize(schemaToTs(o as JsonSchema, refName, depth))).join(' & ');
  const types = Array.isArray(s.type) ? (s.type as string[]) : typeof s.type === 'string' ? [s.type] : [];
  if (types.length === 0) return s.properties || s.additionalProperties ? objectToTs(s, refName, depth) : 'unknown';
  return union(types.map((type) => typeToTs(type, s, refName, depth)));
}

function typeToTs(type: string, s: { [keyword: string]: unknown }, refName: RefNamer, depth: number): string {
  switch (type) {
    case 'string':
      return 'string';
    case 'number':
    case 'integer':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array':
      return `Array<${schemaToTs(s.items as JsonSchema | undefined, refName, depth)}>`;
    case 'object':
      return objectToTs(s, refName, depth);
    default:
      return 'unknown';
  }
}

function objectToTs(s: { [keyword: string]: unknown }, refName: RefNamer, depth: number): string {
  const properties = (s.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : []);
  const inner = indentOf(depth + 1);
  const lines: string[] = [];
  for (const [name, property] of Object.entries(properties)) {
    const doc = typeof property === 'object' && typeof property.description === 'string' ? `${inner}/** ${property.description.replace(/\*\//g, '* /')} */\n` : '';
    lines.push(`${doc}${inner}${propertyKey(name)}${required.has(name) ? '' : '?'}: ${schemaToTs(property, refName, depth + 1)};`);
  }
  const extra = s.additionalProperties as JsonSchema | undefined;
  const names = s.propertyNames as JsonSchema | undefined;
  if (extra !== undefined && extra !== false) {
    const value = schemaToTs(extra, refName, depth + 1);
    // A record keyed by an enum (zod's `z.record(z.enum(…), …)`): each key may be absent.
    if (typeof names === 'object' && Array.isArray(names.enum) && lines.length === 0) {
      return `{ [K in ${names.enum.map((v) => JSON.stringify(v)).join(' | ')}]?: ${value} }`;
    }
    lines.push(`${inner}[key: string]: ${lines.length > 0 ? 'unknown' : value};`);
  }
  if (lines.length === 0) return s.additionalProperties === false ? 'Record<string, never>' : 'Record<string, unknown>';
  return `{\n${lines.join('\n')}\n${indentOf(depth)}}`;
}

function union(members: string[]): string {
  const unique = [...new Set(members)];
  return unique.length === 0 ? 'never' : unique.map(parenthesize).join(' | ');
}

/** Wraps a union or intersection so it can sit inside another one. */
function parenthesize(type: string): string {
  return /^[^{<]*[|&]/.test(type) && !type.startsWith('{') ? `(${type})` : type;
}
