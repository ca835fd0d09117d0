import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { CanvasSim } from '../src/index.js';

/** Opens a GET and hands back the response before its body: streamed hostile bodies are read (or dropped) by the test. */
export function open(sim: CanvasSim, path: string, token: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, sim.url), { method: 'GET', agent: false, headers: { Authorization: `Bearer ${token}` } }, resolve);
    req.on('error', reject);
    req.end();
  });
}

export async function readAll(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Polls until `check` passes: for a state the sim reaches after the client hung up, never a timing assertion. */
export async function eventually(check: () => void): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      check();
      return;
    } catch (error) {
      if (i >= 500) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
