import { randomPort } from './servers/probes.js';

/** A TCP port that was free a moment ago on 127.0.0.1 (the same picker the server starters use). */
export const freePort: () => Promise<number> = randomPort;

/** Polls `probe` until it resolves truthy or `timeoutMs` passes. */
export async function waitFor(probe: () => Promise<boolean>, timeoutMs: number, what: string | (() => string)): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
