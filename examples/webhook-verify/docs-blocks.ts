import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The fenced code blocks of one language in docs/webhooks.md, in order: the tests run what the docs show. */
export function webhookDocBlocks(lang: 'ts' | 'python'): string[] {
  const doc = readFileSync(fileURLToPath(new URL('../../docs/webhooks.md', import.meta.url)), 'utf8');
  return [...doc.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
}

/** A body shaped like a real delivery, with non-ASCII text so a verifier must use the raw bytes. */
export function sampleBody(id = 'evt-1'): string {
  return JSON.stringify({ id, type: 'sync.finished', createdAt: '2026-12-06T13:00:00.000Z', data: { syncId: 's', userId: 'Zoë Ångström', status: 'completed', counts: {}, finishedAt: '2026-12-06T13:00:00.000Z', trigger: 'user', dryRun: false } });
}
