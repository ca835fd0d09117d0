import type { ServerResponse } from 'node:http';
import type { CanvasAnswer } from './answer.js';

export interface WriteOptions {
  lowercase: boolean;
  /** cut a JSON body short, as a dropped connection behind a proxy would */
  malformed: boolean;
}

/**
 * Writes straight to the socket rather than through fastify's reply, which lowercases every header
 * name: here names go out in Canvas's canonical case unless the lowercase mode asks otherwise.
 */
export function writeAnswer(res: ServerResponse, answer: CanvasAnswer, rateHeaders: Record<string, string>, options: WriteOptions): void {
  if (res.destroyed || res.headersSent) return;
  let body = answer.text ?? (answer.body === undefined ? '' : JSON.stringify(answer.body));
  if (options.malformed && body.length > 1) body = body.slice(0, Math.max(1, Math.floor(body.length * 0.6)));
  const headers: Record<string, string> = {};
  if (body.length > 0) headers['Content-Type'] = answer.contentType ?? 'application/json; charset=utf-8';
  if (answer.body !== undefined) headers['Cache-Control'] = 'max-age=0, private, must-revalidate';
  Object.assign(headers, answer.headers, rateHeaders);
  headers['Content-Length'] = String(Buffer.byteLength(body));
  const flat: string[] = [];
  for (const [name, value] of Object.entries(headers)) flat.push(options.lowercase ? name.toLowerCase() : name, value);
  res.writeHead(answer.status, flat);
  res.end(body);
}
