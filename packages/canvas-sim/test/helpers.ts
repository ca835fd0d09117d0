import { request as httpRequest } from 'node:http';
import { startCanvasSim, type CanvasSim, type SimOptions } from '../src/index.js';

/** Zero latency and jitter: conformance tests assert on statuses, headers and bodies, never on time. */
export function startQuietSim(options: SimOptions = {}): Promise<CanvasSim> {
  return startCanvasSim({ latency: { baseMs: 0, perItemMs: 0, jitterMs: 0 }, profile: 'tiny', ...options });
}

export interface RawAnswer {
  status: number;
  /** lowercased names → value */
  headers: Record<string, string>;
  /** names exactly as sent on the wire */
  rawHeaderNames: string[];
  text: string;
}

/**
 * GET with node:http rather than fetch: it exposes header names as sent (case matters for the
 * lowercase-headers mode) and lets a test send no Authorization at all.
 */
export function get(sim: CanvasSim, path: string, token: string | null, extraHeaders: Record<string, string> = {}): Promise<RawAnswer> {
  const url = path.startsWith('http') ? new URL(path) : new URL(path, sim.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: 'GET', agent: false, headers: { 'User-Agent': 'canvas-sim-tests', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...extraHeaders } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const headers: Record<string, string> = {};
          const rawHeaderNames: string[] = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2) {
            const name = res.rawHeaders[i] ?? '';
            rawHeaderNames.push(name);
            headers[name.toLowerCase()] = res.rawHeaders[i + 1] ?? '';
          }
          resolve({ status: res.statusCode ?? 0, headers, rawHeaderNames, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

export async function getJson<T = unknown>(sim: CanvasSim, path: string, token: string | null): Promise<{ answer: RawAnswer; body: T }> {
  const answer = await get(sim, path, token);
  return { answer, body: JSON.parse(answer.text) as T };
}

export interface LinkRel {
  rel: string;
  url: string;
}

/** Parses a Link header strictly in the `<URL>; rel="X"` comma-joined form Canvas sends. */
export function parseLink(header: string | undefined): LinkRel[] {
  if (!header) return [];
  return header.split(',').map((part) => {
    const match = /^<([^>]+)>; rel="([a-z]+)"$/.exec(part);
    if (!match?.[1] || !match[2]) throw new Error(`malformed Link part: ${part}`);
    return { url: match[1], rel: match[2] };
  });
}

export function relUrl(header: string | undefined, rel: string): string | undefined {
  return parseLink(header).find((l) => l.rel === rel)?.url;
}

/** Follows rel="next" to the end, as a well-behaved client does; guards against loops. */
export async function walk<T = Record<string, unknown>>(sim: CanvasSim, path: string, token: string): Promise<{ rows: T[]; pages: number }> {
  const rows: T[] = [];
  let next: string | undefined = path;
  let pages = 0;
  const seen = new Set<string>();
  while (next) {
    if (seen.has(next)) throw new Error(`pagination loop at ${next}`);
    seen.add(next);
    const { answer, body } = await getJson<T[]>(sim, next, token);
    if (answer.status !== 200) throw new Error(`status ${answer.status} at ${next}: ${answer.text}`);
    rows.push(...body);
    pages++;
    next = relUrl(answer.headers['link'], 'next');
  }
  return { rows, pages };
}

export type Row = Record<string, unknown>;

export function firstRealCourse(sim: CanvasSim, userId: number): Row {
  const course = (sim.groundTruth(userId).courses as Row[]).find((c) => c['access_restricted_by_date'] !== true);
  if (!course) throw new Error('no real course');
  return course;
}
