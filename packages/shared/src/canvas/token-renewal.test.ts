import { describe, expect, it } from 'vitest';
import { MAX_REFRESH_MARGIN_MS, refreshMarginMs, renewalDecision, type StoredTokenState } from './token-renewal.js';

const now = new Date('2026-12-01T12:00:00Z');
const later = (ms: number) => new Date(now.getTime() + ms);
const oauth = (over: Partial<StoredTokenState> = {}): StoredTokenState => ({
  authType: 'oauth',
  status: 'ok',
  hasAccessToken: true,
  hasRefreshToken: true,
  version: 3,
  expiresAt: later(60_000),
  ...over,
});

describe('refreshMarginMs', () => {
  it('is a fifth of a short lifetime, so a 5 s token is renewed 1 s before it dies', () => {
    expect(refreshMarginMs(5_000)).toBe(1_000);
  });
  it('is capped for an hour-long token', () => {
    expect(refreshMarginMs(3_600_000)).toBe(MAX_REFRESH_MARGIN_MS);
    expect(MAX_REFRESH_MARGIN_MS).toBeLessThanOrEqual(5 * 60_000);
  });
  it('is never negative', () => {
    expect(refreshMarginMs(-10)).toBe(0);
  });
});

describe('renewalDecision (under the row lock)', () => {
  it('refreshes when the stored version is the caller’s own', () => {
    expect(renewalDecision(oauth(), 3, now)).toBe('refresh');
  });
  it('uses another replica’s newer token instead of refreshing again', () => {
    expect(renewalDecision(oauth({ version: 4 }), 3, now)).toBe('use');
  });
  it('uses a reconnect’s token even when its version is lower than the caller’s', () => {
    expect(renewalDecision(oauth({ version: 0 }), 3, now)).toBe('use');
  });
  it('refreshes a newer token that has already expired (a long wait, a stopped clock)', () => {
    expect(renewalDecision(oauth({ version: 4, expiresAt: later(-1) }), 3, now)).toBe('refresh');
  });
  it('uses a newer token without a known expiry', () => {
    expect(renewalDecision(oauth({ version: 4, expiresAt: null }), 3, now)).toBe('use');
  });
  it('never refreshes a personal token', () => {
    expect(renewalDecision(oauth({ authType: 'token', hasRefreshToken: false }), 3, now)).toBe('use');
  });
  it('asks for a reconnect once a refresh was refused, without calling Canvas again', () => {
    expect(renewalDecision(oauth({ status: 'reauth_required' }), 3, now)).toBe('reauth');
    expect(renewalDecision(oauth({ status: 'reauth_required', version: 9 }), 3, now)).toBe('reauth');
  });
  it('asks for a reconnect when there is no refresh token to use', () => {
    expect(renewalDecision(oauth({ hasRefreshToken: false }), 3, now)).toBe('reauth');
  });
  it('reports a disconnected connection', () => {
    expect(renewalDecision(oauth({ hasAccessToken: false }), 3, now)).toBe('disconnected');
  });
});
