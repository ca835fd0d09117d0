import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, startHarness, type Harness } from './notifier.harness.js';

describe('notifier /ws limits', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ heartbeatMs: 200 });
  });
  afterAll(async () => h.close());

  it.each([
    ['not JSON', '{oops', 'bad_frame'],
    ['a JSON array', '[1,2]', 'bad_frame'],
    ['no type', '{"syncId":"x"}', 'bad_frame'],
    ['an unknown type', '{"type":"launch"}', 'unknown_type'],
    ['a subscribe with a bad sync id', '{"type":"subscribe","syncId":"12"}', 'bad_frame'],
    ['a subscribe with an extra field', '{"type":"subscribe","all":true}', 'bad_frame'],
  ])('answers %s with an error frame and keeps the socket', async (_name, text, code) => {
    const client = await Client.ready(h.url, 'erin');
    client.send(text);
    expect(await client.waitFor((f) => f.type === 'error')).toMatchObject({ type: 'error', code });
    // The socket stays usable: the next frame gets its own answer.
    client.send({ type: 'subscribe', syncId: '00000000-0000-4000-8000-000000000000' });
    expect(await client.waitFor((f) => f.type === 'error' && f.code === 'not_found')).toMatchObject({ syncId: '00000000-0000-4000-8000-000000000000' });
    client.close();
  });

  it('answers a binary frame with bad_frame', async () => {
    const client = await Client.ready(h.url, 'erin');
    client.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await client.waitFor((f) => f.type === 'error')).toMatchObject({ code: 'bad_frame' });
    client.close();
  });

  it('closes with 1009 on a frame over 16 KiB', async () => {
    const client = await Client.ready(h.url, 'frank');
    client.send({ type: 'auth', token: 'x'.repeat(17 * 1024) });
    expect((await client.closed).code).toBe(1009);
  });

  it('closes with 1008 on a flood of frames', async () => {
    const client = await Client.ready(h.url, 'gina');
    for (let i = 0; i < 200; i++) client.send({ type: 'launch' });
    expect((await client.closed).code).toBe(1008);
  });

  it('terminates a socket that stops answering pings', async () => {
    const client = await Client.ready(h.url, 'hank');
    await expect.poll(() => h.hub.stats().connections).toBeGreaterThan(0);
    // Stop reading: the client no longer sees pings, so it never answers them.
    (client.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    await expect.poll(() => h.hub.stats().connections, { timeout: 10_000 }).toBe(0);
  });
});
