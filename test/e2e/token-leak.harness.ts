import { jetstreamManager, type StoredMsg } from '@nats-io/jetstream';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { sql, type Kysely } from 'kysely';
import type { Database } from '@canvas-sync/shared';

/**
 * Every shape a Canvas token could leak in: as is, without Canvas's `<n>~` prefix, base64,
 * base64url, URL-encoded, and 16-character windows of it (a truncated or partly masked copy).
 */
export function needlesFor(token: string): string[] {
  const body = token.replace(/^\d+~/, '');
  const windows: string[] = [];
  for (let i = 0; i + 16 <= body.length; i += 8) windows.push(body.slice(i, i + 16));
  return [token, body, Buffer.from(token).toString('base64'), Buffer.from(token).toString('base64url'), encodeURIComponent(token), ...windows];
}

/** Each text that holds one of the needles, with what it holds, cut short for the report. */
export function leaksIn(texts: readonly string[], needles: readonly string[]): string[] {
  const found: string[] = [];
  for (const text of texts) {
    const hit = needles.find((n) => text.includes(n));
    if (hit) found.push(`[${hit}] ${text.slice(0, 300)}`);
  }
  return found;
}

const text = (msg: { subject: string; headers?: { toString(): string } | undefined; data: Uint8Array }) =>
  `${msg.subject} ${msg.headers ? msg.headers.toString() : ''} ${Buffer.from(msg.data).toString('utf8')}`;

/** Taps every core NATS message on the namespace's subjects and its KV bucket while it runs. */
export function tapNats(nc: NatsConnection, subjects: string[]): { messages: string[]; stop(): void } {
  const messages: string[] = [];
  const subs: Subscription[] = subjects.map((subject) => nc.subscribe(subject, { callback: (_err: Error | null, msg: Msg) => void messages.push(text(msg)) }));
  return { messages, stop: () => subs.forEach((s) => s.unsubscribe()) };
}

/** Every message still stored in every stream whose name starts with one of `prefixes` (the namespace's streams and KV buckets). */
export async function readStreams(nc: NatsConnection, prefixes: string[]): Promise<{ streams: string[]; messages: string[] }> {
  const jsm = await jetstreamManager(nc);
  const streams: string[] = [];
  const messages: string[] = [];
  for await (const info of jsm.streams.list()) {
    const name = info.config.name;
    if (!prefixes.some((p) => name.startsWith(p))) continue;
    streams.push(name);
    const { first_seq: first, last_seq: last, messages: count } = info.state;
    for (let seq = first; count > 0 && seq <= last; seq++) {
      const msg: StoredMsg | null = await jsm.streams.getMessage(name, { seq }).catch(() => null);
      if (msg) messages.push(text(msg));
    }
  }
  return { streams, messages };
}

/** Every row of every table in the `public` and `canvas` schemas, as JSON text. */
export async function dumpDatabase(db: Kysely<Database>): Promise<string[]> {
  const tables = await sql<{ schema: string; name: string }>`
    SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
    WHERE table_schema IN ('public', 'canvas') AND table_type = 'BASE TABLE'`.execute(db);
  const rows: string[] = [];
  for (const t of tables.rows) {
    const result = await sql<{ row: unknown }>`SELECT to_jsonb(x) AS row FROM ${sql.table(`${t.schema}.${t.name}`)} x`.execute(db);
    for (const r of result.rows) rows.push(`${t.schema}.${t.name} ${JSON.stringify(r.row)}`);
  }
  return rows;
}
