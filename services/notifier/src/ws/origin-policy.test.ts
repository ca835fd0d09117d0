import { describe, expect, it } from 'vitest';
import { isOriginAllowed } from './origin-policy.js';

describe('isOriginAllowed', () => {
  const dev = { allowedOrigins: null, allowLocalhost: true };
  const prod = { allowedOrigins: null, allowLocalhost: false };
  it('lets non-browser clients (no Origin) through', () => expect(isOriginAllowed(undefined, 'x:3001', prod)).toBe(true));
  it('accepts the same host on another port', () => expect(isOriginAllowed('https://sync.example.edu', 'sync.example.edu:3001', prod)).toBe(true));
  it('accepts localhost pages in dev only', () => {
    expect(isOriginAllowed('http://localhost:3000', 'notifier:3001', dev)).toBe(true);
    expect(isOriginAllowed('http://localhost:3000', 'notifier:3001', prod)).toBe(false);
  });
  it('refuses other origins and garbage', () => {
    expect(isOriginAllowed('https://evil.example.com', 'sync.example.edu', dev)).toBe(false);
    expect(isOriginAllowed('null', 'sync.example.edu', dev)).toBe(false);
  });
  it('follows an explicit list exactly', () => {
    const listed = { allowedOrigins: ['https://app.example.edu'], allowLocalhost: true };
    expect(isOriginAllowed('https://app.example.edu', 'sync.example.edu', listed)).toBe(true);
    expect(isOriginAllowed('http://localhost:3000', 'sync.example.edu', listed)).toBe(false);
    expect(isOriginAllowed('https://any.where', 'h', { allowedOrigins: ['*'], allowLocalhost: false })).toBe(true);
  });
});
