import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { PublishWindow } from './publish-window.js';

describe('PublishWindow', () => {
  it('holds at most `limit` publishes unacknowledged: the next one waits for them', async () => {
    const acks: Array<() => void> = [];
    const publish = () => new Promise<void>((resolve) => acks.push(resolve));
    const window = new PublishWindow(2);
    await window.add(publish());
    let third = false;
    const adding = window.add(publish()).then(() => (third = true));
    await tick();
    expect(third).toBe(false);
    acks.forEach((ack) => ack());
    await adding;
    expect(third).toBe(true);
    await window.settled();
  });

  it('throws the first failure from settled(), and a failure before it is not an unhandled rejection', async () => {
    const window = new PublishWindow();
    const refused = new Error('no ack');
    await window.add(Promise.reject(refused));
    await tick();
    await expect(window.settled()).rejects.toBe(refused);
  });
});
