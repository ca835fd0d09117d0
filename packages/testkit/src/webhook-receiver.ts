import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One POST the receiver got: the exact body bytes (as UTF-8 text) and the signature header. */
export interface ReceivedWebhook {
  body: string;
  signature: string | undefined;
  /** What the receiver answered (or `hang` when it let the request time out). */
  answered: number | 'hang';
}

/**
 * How the receiver behaves now: `ok` answers 204; `error` answers 500; `hang` records the request
 * and never answers (the sender's timeout must end it); `down` closes the port (connection refused).
 */
export type ReceiverMode = 'ok' | 'error' | 'hang' | 'down';

/** A host app's webhook endpoint on 127.0.0.1, for the dispatcher's tests. */
export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  setMode(mode: ReceiverMode): Promise<void>;
  close(): Promise<void>;
}

/** Starts a receiver on a free port, answering `ok`. The port is kept across `down` (re-listened). */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let mode: ReceiverMode = 'ok';
  const hanging = new Set<IncomingMessage>();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const signature = req.headers['canvas-sync-signature'];
    const record: ReceivedWebhook = { body: Buffer.concat(chunks).toString('utf8'), signature: Array.isArray(signature) ? signature[0] : signature, answered: 204 };
    received.push(record);
    if (mode === 'hang') {
      record.answered = 'hang';
      hanging.add(req);
      return;
    }
    record.answered = mode === 'ok' ? 204 : 500;
    res.writeHead(record.answered).end();
  };
  const listen = (server: Server, port: number) => new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
  let server = createServer((req, res) => void handle(req, res));
  const port = await listen(server, 0);
  const stop = () => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return {
    url: `http://127.0.0.1:${port}/hooks/canvas-sync`,
    received,
    async setMode(next) {
      if (next === 'down' && mode !== 'down') await stop();
      if (next !== 'down' && mode === 'down') {
        server = createServer((req, res) => void handle(req, res));
        await listen(server, port);
      }
      mode = next;
    },
    async close() {
      hanging.clear();
      if (mode !== 'down') await stop();
    },
  };
}
