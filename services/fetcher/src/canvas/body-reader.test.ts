import { describe, expect, it } from 'vitest';
import { AppError, isRetryable } from '@canvas-sync/shared';
import { AnswerBytes } from './answer-bytes.js';
import { jsonTooDeep, readBoundedBody } from './body-reader.js';

/** A body of `chunks` of `size` bytes each; `thenFail` breaks it off after them instead of ending it. */
function answer(chunks: number, size: number, thenFail = false): Response {
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent++ < chunks) controller.enqueue(new Uint8Array(size).fill(0x20));
      else if (thenFail) controller.error(new TypeError('socket closed'));
      else controller.close();
    },
  });
  return new Response(body);
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (err) {
    return err instanceof AppError ? err.code : String(err);
  }
}

describe('readBoundedBody with the process account of answer bytes', () => {
  it('reserves chunks as they arrive and gives all of them back once the body is read', async () => {
    const account = new AnswerBytes(1_000);
    expect((await readBoundedBody(answer(4, 100), 10_000, '/x', account)).length).toBe(400);
    expect(account.peak).toBe(400);
    expect(account.inUse).toBe(0);
  });

  it('drops the answer with canvas_busy at the chunk past the bound, giving back what it held', async () => {
    const account = new AnswerBytes(1_000);
    expect(account.tryReserve(700)).toBeUndefined(); // another reader's answer
    const dropped = await readBoundedBody(answer(4, 100), 10_000, '/x', account).catch((err: unknown) => err);
    expect((dropped as AppError).code).toBe('canvas_busy');
    // Retried like a Canvas outage (the consumer naks the unit), never a sync failure by itself.
    expect(isRetryable(dropped)).toBe(true);
    expect(account.peak).toBe(1_000);
    expect(account.inUse).toBe(700);
  });

  it('gives back what it held when the answer is too large or broken off', async () => {
    const account = new AnswerBytes(10_000);
    expect(await codeOf(readBoundedBody(answer(5, 100), 250, '/x', account))).toBe('canvas_response_too_large');
    expect(account.inUse).toBe(0);
    expect(await codeOf(readBoundedBody(answer(3, 100, true), 10_000, '/x', account))).toBe('canvas_unavailable');
    expect(account.inUse).toBe(0);
    expect(account.peak).toBe(300);
  });
});

describe('jsonTooDeep', () => {
  it('counts nesting of arrays and objects, not brackets inside strings', () => {
    expect(jsonTooDeep('[[[1]]]', 3)).toBe(false);
    expect(jsonTooDeep('[[[[1]]]]', 3)).toBe(true);
    expect(jsonTooDeep('[{"a":"[[[[[[{{{{"}]', 3)).toBe(false);
    expect(jsonTooDeep(`[{"a":"${'['.repeat(50)}"}]`, 3)).toBe(false);
  });

  it('ends a string only at a quote not escaped by an odd run of backslashes', () => {
    // "x\"[[[[" is one string; "y\\" ends at its last quote, so the brackets after it count.
    expect(jsonTooDeep(String.raw`[{"a":"x\"[[[[[["}]`, 3)).toBe(false);
    expect(jsonTooDeep(String.raw`[{"a":"y\\"},[[[[1]]]]]`, 3)).toBe(true);
    expect(jsonTooDeep(String.raw`[{"a":"z\\\"[[[[[["}]`, 3)).toBe(false);
  });

  it('matches a parse of the same text on a generated answer', () => {
    const row = { id: 1, description: '<p class="x">a "quoted" \\ [bracket] {brace}</p>', nested: { list: [[1, 2], { deep: [3] }] } };
    const text = JSON.stringify([row, row]);
    expect(jsonTooDeep(text, 6)).toBe(false);
    expect(jsonTooDeep(text, 5)).toBe(true);
    expect(jsonTooDeep('["unterminated', 1)).toBe(false);
  });
});
