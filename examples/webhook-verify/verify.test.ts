import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { signatureHeader } from '../../services/writer/src/webhooks/webhook-signature.js';
import { sampleBody, webhookDocBlocks } from './docs-blocks.js';
import { verifyCanvasSyncSignature } from './verify.js';

const SECRET = 'a-webhook-secret-of-32-characters!!';
const NOW = 1_765_026_000;

describe('the documented TypeScript verifier', () => {
  it('is the code docs/webhooks.md shows, character for character', () => {
    expect(webhookDocBlocks('ts')[0]).toBe(readFileSync(new URL('./verify.ts', import.meta.url), 'utf8'));
  });

  it("accepts what the dispatcher signs, as a string or as the raw bytes", () => {
    const body = sampleBody();
    const header = signatureHeader(SECRET, body, NOW);
    expect(verifyCanvasSyncSignature(SECRET, header, body, { nowSeconds: NOW })).toEqual({ ok: true, timestamp: NOW });
    expect(verifyCanvasSyncSignature(SECRET, header, Buffer.from(body, 'utf8'), { nowSeconds: NOW + 299 })).toEqual({ ok: true, timestamp: NOW });
    // One of several v1 values may match (a receiver can be sent more than one during a key change).
    expect(verifyCanvasSyncSignature(SECRET, `${header},v1=${'0'.repeat(64)}`, body, { nowSeconds: NOW }).ok).toBe(true);
  });

  it('refuses a bad signature: another secret, a changed body, a changed timestamp, a flipped digit', () => {
    const body = sampleBody();
    const header = signatureHeader(SECRET, body, NOW);
    const bad = { ok: false, reason: 'bad_signature' };
    expect(verifyCanvasSyncSignature('another-secret-of-32-characters!!!!', header, body, { nowSeconds: NOW })).toEqual(bad);
    expect(verifyCanvasSyncSignature(SECRET, header, body.replace('completed', 'failed'), { nowSeconds: NOW })).toEqual(bad);
    expect(verifyCanvasSyncSignature(SECRET, header.replace(`t=${NOW}`, `t=${NOW + 1}`), body, { nowSeconds: NOW })).toEqual(bad);
    const mac = header.split('v1=')[1]!;
    const flipped = `t=${NOW},v1=${mac.slice(0, -1)}${mac.endsWith('0') ? '1' : '0'}`;
    expect(verifyCanvasSyncSignature(SECRET, flipped, body, { nowSeconds: NOW })).toEqual(bad);
  });

  it('refuses a timestamp more than 5 minutes away, even when correctly signed', () => {
    const body = sampleBody();
    const old = signatureHeader(SECRET, body, NOW - 301);
    expect(verifyCanvasSyncSignature(SECRET, old, body, { nowSeconds: NOW })).toEqual({ ok: false, reason: 'timestamp_out_of_range' });
    const future = signatureHeader(SECRET, body, NOW + 301);
    expect(verifyCanvasSyncSignature(SECRET, future, body, { nowSeconds: NOW })).toEqual({ ok: false, reason: 'timestamp_out_of_range' });
  });

  it('refuses a missing or malformed header', () => {
    const body = sampleBody();
    expect(verifyCanvasSyncSignature(SECRET, undefined, body)).toEqual({ ok: false, reason: 'missing_header' });
    for (const header of ['garbage', `t=${NOW}`, 'v1=' + 'a'.repeat(64), `t=abc,v1=${'a'.repeat(64)}`, `t=${NOW},v1=short`]) {
      expect(verifyCanvasSyncSignature(SECRET, header, body, { nowSeconds: NOW }), header).toEqual({ ok: false, reason: 'malformed_header' });
    }
  });
});
