import type { ServerResponse } from 'node:http';
import type { CanvasAnswer, StreamResult } from './answer.js';

export interface WriteOptions {
  lowercase: boolean;
  /** cut a JSON body short, as a dropped connection behind a proxy would */
  malformed: boolean;
}

/**
 * Writes straight to the socket rather than through fastify's reply, which lowercases every header
 * name: here names go out in Canvas's canonical case unless the lowercase mode asks otherwise.
 */
export function writeAnswer(res: ServerResponse, answer: CanvasAnswer, rateHeaders: Record<string, string>, options: WriteOptions): Promise<StreamResult> | null {
  if (res.destroyed || res.headersSent) return null;
  if (answer.stream) return writeStream(res, answer, rateHeaders, options);
  let body = answer.text ?? (answer.body === undefined ? '' : JSON.stringify(answer.body));
  if (options.malformed && body.length > 1) body = body.slice(0, Math.max(1, Math.floor(body.length * 0.6)));
  const headers: Record<string, string> = {};
  if (body.length > 0) headers['Content-Type'] = answer.contentType ?? 'application/json; charset=utf-8';
  if (answer.body !== undefined) headers['Cache-Control'] = 'max-age=0, private, must-revalidate';
  Object.assign(headers, answer.headers, rateHeaders);
  headers['Content-Length'] = String(Buffer.byteLength(body));
  res.writeHead(answer.status, flatten(headers, options.lowercase));
  res.end(body);
  return null;
}

/** A streamed body: it stops as soon as the client goes away, and a body cut short is never ended cleanly. */
async function writeStream(res: ServerResponse, answer: CanvasAnswer, rateHeaders: Record<string, string>, options: WriteOptions): Promise<StreamResult> {
  const stream = answer.stream;
  if (!stream) return { bytes: 0, completed: true };
  const headers: Record<string, string> = { 'Content-Type': answer.contentType ?? 'application/json; charset=utf-8', ...answer.headers, ...rateHeaders };
  const gone = new AbortController();
  const onClose = (): void => gone.abort();
  res.once('close', onClose);
  const head = (extra: Record<string, string> = {}): void => {
    if (!res.headersSent && !res.destroyed) res.writeHead(answer.status, flatten({ ...headers, ...extra }, options.lowercase));
  };
  let result: StreamResult = { bytes: 0, completed: false };
  try {
    result = await stream({ res, head, signal: gone.signal });
  } catch {
    result = { bytes: result.bytes, completed: false };
  } finally {
    res.off('close', onClose);
  }
  if (result.completed && !res.destroyed) res.end();
  else res.destroy();
  return result;
}

function flatten(headers: Record<string, string>, lowercase: boolean): string[] {
  const flat: string[] = [];
  for (const [name, value] of Object.entries(headers)) flat.push(lowercase ? name.toLowerCase() : name, value);
  return flat;
}
