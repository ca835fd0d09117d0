import { RESOURCE_TABLES } from '../resources/resource-columns.js';
import type { Resource } from '@canvas-sync/shared';
import { rawJson, type PreparedRow } from './prepare-rows.js';

/** COPY text format: `\N` for null; backslash, tab, newline and CR escaped (the characters that end fields and rows). */
export function copyField(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  const text = typeof value === 'string' ? value : typeof value === 'boolean' ? (value ? 't' : 'f') : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[\\\t\n\r]/.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : text;
}

/**
 * JSON text as a COPY field: JSON.stringify escapes every control character, so only its
 * backslashes need doubling (a faster path than {@link copyField} for the largest field).
 */
function jsonField(json: string): string {
  return json.includes('\\') ? json.replaceAll('\\', '\\\\') : json;
}

/** The columns a row's COPY line holds, in order; `synced_at` and `deleted_at` take their defaults (now(), NULL). */
export function copyColumns(resource: Resource): string[] {
  return ['user_id', 'id', 'raw', 'content_hash', ...RESOURCE_TABLES[resource].columns.map((c) => c.name)];
}

/** One COPY text line (with its newline) of a prepared row, in the order of {@link copyColumns}. */
export function copyLine(resource: Resource, userIdField: string, row: PreparedRow): string {
  let line = `${userIdField}\t${row.id}\t${jsonField(rawJson(row))}\t${row.content_hash}`;
  for (const c of RESOURCE_TABLES[resource].columns) line += `\t${copyField(row[c.name])}`;
  return `${line}\n`;
}
