/**
 * Writes packages/client/src/generated/api-types.ts from the api's OpenAPI document and the
 * notifier's frame schemas, so the published client's types come from the same zod schemas that
 * validate the wire (without shipping zod or any server code). Run: `npm run generate -w @canvas-sync/client`.
 */
import { writeFile } from 'node:fs/promises';
import { loadOpenApiDocument } from './client-types/openapi-document.js';
import { API_TYPES_FILE, renderApiTypes } from './client-types/render-api-types.js';

const source = renderApiTypes(await loadOpenApiDocument());
await writeFile(API_TYPES_FILE, source);
console.log(`wrote ${API_TYPES_FILE.pathname} (${source.length} chars)`);
