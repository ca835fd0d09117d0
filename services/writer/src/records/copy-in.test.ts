import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { CopyFromStdin, MAX_BUFFERED, type PgConnection } from './copy-in.js';

/** The CopyDone message: 'c', length 4. */
const COPY_DONE = Buffer.from([0x63, 0, 0, 0, 4]);

/** A socket that takes writes into its buffer and empties it only when told to (`drain()`). */
function fakeConnection() {
  const events = new EventEmitter();
  const written: Buffer[] = [];
  let buffered = 0;
  let corked = 0;
  const stream = {
    cork: () => void (corked += 1),
    uncork: () => void (corked -= 1),
    write: (data: Buffer) => {
      written.push(data);
      buffered += data.length;
      return buffered < 16 * 1024;
    },
    get writableLength() {
      return buffered;
    },
    on: (event: 'drain' | 'close', listener: () => void) => events.on(event, listener),
    off: (event: 'drain' | 'close', listener: () => void) => events.off(event, listener),
  };
  const connection: PgConnection = { stream, query: (text) => void written.push(Buffer.from(`Q${text}`)) };
  return {
    connection,
    written,
    get buffered() {
      return buffered;
    },
    get corked() {
      return corked;
    },
    drain: () => {
      buffered = 0;
      events.emit('drain');
    },
  };
}

describe('CopyFromStdin', () => {
  const line = `${'x'.repeat(999)}\n`;

  it('sends a small COPY whole in one corked burst: the query, the data and the CopyDone', () => {
    const c = fakeConnection();
    new CopyFromStdin('COPY t FROM STDIN', Array.from({ length: 100 }, () => line)).submit(c.connection);
    expect(c.corked).toBe(0);
    expect(c.written[0]!.toString()).toBe('QCOPY t FROM STDIN');
    expect(c.written.at(-1)).toEqual(COPY_DONE);
    expect(c.buffered).toBe(100 * 1000 + 5 + 5);
  });

  it('makes a large COPY’s lines as the socket drains: never more than its bound buffered, all of them in the end', async () => {
    const c = fakeConnection();
    const total = 20_000; // ~20 MB
    let made = 0;
    const lines = function* () {
      for (let i = 0; i < total; i++) {
        made += 1;
        yield line;
      }
    };
    new CopyFromStdin('COPY t FROM STDIN', lines()).submit(c.connection);
    const firstBurst = made;
    expect(firstBurst).toBeLessThan(total);
    expect(c.buffered).toBeLessThanOrEqual(MAX_BUFFERED + 300 * 1000);
    let rounds = 0;
    while (!c.written.at(-1)?.equals(COPY_DONE)) {
      expect(c.buffered).toBeLessThanOrEqual(MAX_BUFFERED + 300 * 1000);
      c.drain();
      await new Promise((resolve) => setImmediate(resolve));
      rounds += 1;
    }
    expect(made).toBe(total);
    expect(rounds).toBeGreaterThan(2);
    const messages = copyData(c.written);
    expect(messages.reduce((n, m) => n + m.length, 0)).toBe(total * 1000);
    expect(messages.length).toBeGreaterThan(2);
  });

  it('encodes every line whole, multi-byte characters and lines longer than a message included', () => {
    const c = fakeConnection();
    const lines = Array.from({ length: 3_000 }, (_, i) => `${i}\t${'é€😀'.repeat(i % 50)}${i % 997 === 0 ? 'x'.repeat(600_000) : ''}\n`);
    new CopyFromStdin('COPY t FROM STDIN', lines).submit(c.connection);
    for (let i = 0; i < 100 && !c.written.at(-1)?.equals(COPY_DONE); i++) c.drain();
    const messages = copyData(c.written);
    expect(Buffer.concat(messages).toString('utf8')).toBe(lines.join(''));
    // Each message ends at a line's end: Postgres does not need that, but it shows no line was cut.
    for (const m of messages) expect(m.at(-1)).toBe(0x0a);
  });
});


/** The bodies of the CopyData messages in what was written after the query, each checked for a well-formed header. */
function copyData(written: Buffer[]): Buffer[] {
  const bytes = Buffer.concat(written.slice(1));
  const bodies: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    const type = bytes[at]!;
    const length = bytes.readUInt32BE(at + 1);
    if (type === 0x64) bodies.push(bytes.subarray(at + 5, at + 1 + length));
    else expect(type).toBe(0x63);
    at += 1 + length;
  }
  expect(at).toBe(bytes.length);
  return bodies;
}
