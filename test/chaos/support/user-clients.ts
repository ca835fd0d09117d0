import { SignJWT } from 'jose';
import { WebSocket } from 'ws';

/** The JWT secret the chaos suite's api and notifier processes share. */
export const CHAOS_JWT_SECRET = 'chaos-suite-jwt-secret-0123456789abcdef';

/** A user token as the host app signs it. */
export function userToken(userId: string): Promise<string> {
  return new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(CHAOS_JWT_SECRET));
}

/** Calls the real api over HTTP as `userId`. */
export async function apiCall(baseUrl: string, userId: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${await userToken(userId)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : null };
}

/**
 * Opens the notifier's WebSocket as `userId`, subscribes to one sync and resolves with the
 * snapshot frame's sync (what a browser sees after it reconnects).
 */
export async function wsSnapshot(url: string, userId: string, syncId: string, timeoutMs = 10_000): Promise<{ status: string; phase: string; seq: number }> {
  const token = await userToken(userId);
  const ws = new WebSocket(url);
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no snapshot from the notifier')), timeoutMs);
      ws.on('error', reject);
      ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token })));
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data)) as { type: string; sync?: { status: string; phase: string; seq: number } };
        if (frame.type === 'ready') ws.send(JSON.stringify({ type: 'subscribe', syncId }));
        if (frame.type === 'snapshot' && frame.sync) {
          clearTimeout(timer);
          resolve(frame.sync);
        }
      });
    });
  } finally {
    ws.close();
  }
}
