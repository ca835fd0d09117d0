import { once } from 'node:events';
import type { ServerResponse } from 'node:http';

/**
 * Writes with backpressure; false once the client is gone (or the sim closed its socket), so a
 * streamer stops instead of buffering megabytes for nobody.
 */
export async function writeChunk(res: ServerResponse, chunk: Buffer | string, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted || res.destroyed) return false;
  if (res.write(chunk)) return true;
  await Promise.race([once(res, 'drain'), once(signal, 'abort')]).catch(() => undefined);
  return !signal.aborted && !res.destroyed;
}
