import { createGzip } from 'node:zlib';
import type { StreamBody } from '../http/answer.js';
import { sleep } from '../http/latency.js';
import { writeChunk } from './stream-out.js';

/** One row that looks like any Canvas list row. */
const FILLER_ROW = '{"id":1001,"name":"Padding row","workflow_state":"available","position":1,"created_at":"2025-01-01T00:00:00Z","updated_at":"2025-01-01T00:00:00Z"}';
/** The bomb's row: the same with a 30,000-space `description`, which gzip squeezes about 930:1. */
const BOMB_ROW = `${FILLER_ROW.slice(0, -1)},"description":"${' '.repeat(30_000)}"}`;
const BLOCK_BYTES = 1 << 20;

/** ~1 MiB of `row,row,…,` (whole rows, ending with a comma), built once per process and row. */
const blocks = new Map<string, Buffer>();
function block(row: string): Buffer {
  let found = blocks.get(row);
  if (!found) {
    found = Buffer.from(`${row},`.repeat(Math.ceil(BLOCK_BYTES / (row.length + 1))));
    blocks.set(row, found);
  }
  return found;
}

/**
 * A valid JSON list of at least `bytes` bytes, produced block by block (never held whole): `[`, whole
 * filler blocks, then the last row and `]`.
 */
async function* jsonList(bytes: number, row: string): AsyncGenerator<Buffer> {
  yield Buffer.from('[');
  let sent = 1;
  const tail = Buffer.from(`${row}]`);
  while (sent + tail.length < bytes) {
    const chunk = block(row);
    sent += chunk.length;
    yield chunk;
  }
  yield tail;
}

const bombs = new Map<number, Promise<Buffer>>();

/** The gzip of a `bytes`-long JSON list, compressed from a stream and cached per size (it is ~1/1000 of `bytes`). */
export function gzipBomb(bytes: number): Promise<Buffer> {
  let bomb = bombs.get(bytes);
  if (!bomb) {
    bomb = (async () => {
      const gzip = createGzip({ level: 9 });
      const parts: Buffer[] = [];
      gzip.on('data', (c: Buffer) => parts.push(c));
      const done = new Promise<void>((resolve, reject) => {
        gzip.once('end', resolve);
        gzip.once('error', reject);
      });
      for await (const chunk of jsonList(bytes, BOMB_ROW)) if (!gzip.write(chunk)) await new Promise((r) => gzip.once('drain', r));
      gzip.end();
      await done;
      return Buffer.concat(parts);
    })();
    bombs.set(bytes, bomb);
  }
  return bomb;
}

/** `Content-Encoding: gzip` with an honest (small) Content-Length; the client must count decoded bytes. */
export function gzipBombStream(bytes: number): StreamBody {
  return async ({ res, head, signal }) => {
    const bomb = await gzipBomb(bytes);
    head({ 'Content-Encoding': 'gzip', 'Content-Length': String(bomb.length) });
    const completed = await writeChunk(res, bomb, signal);
    return { bytes: completed ? bomb.length : 0, completed };
  };
}

/** Chunked transfer, no Content-Length: only counting as it streams in can stop it. */
export function hugeBodyStream(bytes: number): StreamBody {
  return async ({ res, head, signal }) => {
    head();
    let sent = 0;
    for await (const chunk of jsonList(bytes, FILLER_ROW)) {
      if (!(await writeChunk(res, chunk, signal))) return { bytes: sent, completed: false };
      sent += chunk.length;
    }
    return { bytes: sent, completed: true };
  };
}

/** The real answer, `size` bytes every `intervalMs`: each read sees progress, the whole never comes quickly. */
export function trickleStream(text: string, size: number, intervalMs: number): StreamBody {
  return async ({ res, head, signal }) => {
    head();
    const body = Buffer.from(text);
    let sent = 0;
    while (sent < body.length) {
      const chunk = body.subarray(sent, sent + size);
      if (!(await writeChunk(res, chunk, signal))) return { bytes: sent, completed: false };
      sent += chunk.length;
      if (sent < body.length && !(await sleep(intervalMs, signal))) return { bytes: sent, completed: false };
    }
    return { bytes: sent, completed: true };
  };
}
