import { describe, expect, it } from 'vitest';
import { handshakeScheme, isOriginAllowed } from './origin-policy.js';

describe('isOriginAllowed', () => {
  const dev = { allowedOrigins: null, allowLocalhost: true };
  const prod = { allowedOrigins: null, allowLocalhost: false };
  const tls = (host: string) => ({ host, scheme: 'https' as const });
  it('lets non-browser clients (no Origin) through', () => expect(isOriginAllowed(undefined, tls('x:3001'), prod)).toBe(true));
  it('accepts exactly its own origin (default ports normalised)', () => {
    expect(isOriginAllowed('https://sync.example.edu', tls('sync.example.edu'), prod)).toBe(true);
    expect(isOriginAllowed('https://sync.example.edu', tls('sync.example.edu:443'), prod)).toBe(true);
    expect(isOriginAllowed('https://Sync.Example.edu:8443', tls('sync.example.edu:8443'), prod)).toBe(true);
  });
  it('refuses another port or another scheme of the same host by default', () => {
    expect(isOriginAllowed('https://sync.example.edu:8080', tls('sync.example.edu'), prod)).toBe(false);
    expect(isOriginAllowed('https://sync.example.edu', tls('sync.example.edu:3001'), prod)).toBe(false);
    expect(isOriginAllowed('http://sync.example.edu', tls('sync.example.edu'), prod)).toBe(false);
    expect(isOriginAllowed('https://sync.example.edu', { host: 'sync.example.edu', scheme: 'http' }, prod)).toBe(false);
  });
  it('accepts localhost pages in dev only', () => {
    expect(isOriginAllowed('http://localhost:3000', tls('notifier:3001'), dev)).toBe(true);
    expect(isOriginAllowed('http://localhost:3000', tls('notifier:3001'), prod)).toBe(false);
  });
  it('refuses other origins and garbage', () => {
    expect(isOriginAllowed('https://evil.example.com', tls('sync.example.edu'), dev)).toBe(false);
    expect(isOriginAllowed('null', tls('sync.example.edu'), dev)).toBe(false);
    expect(isOriginAllowed('https://sync.example.edu', { host: undefined, scheme: 'https' }, prod)).toBe(false);
  });
  it('follows an explicit list exactly', () => {
    const listed = { allowedOrigins: ['https://app.example.edu'], allowLocalhost: true };
    expect(isOriginAllowed('https://app.example.edu', tls('sync.example.edu'), listed)).toBe(true);
    expect(isOriginAllowed('http://localhost:3000', tls('sync.example.edu'), listed)).toBe(false);
    expect(isOriginAllowed('https://any.where', tls('h'), { allowedOrigins: ['*'], allowLocalhost: false })).toBe(true);
  });
});

describe('handshakeScheme', () => {
  it('takes a TLS-terminating proxy at its word, else the socket', () => {
    expect(handshakeScheme('https', false)).toBe('https');
    expect(handshakeScheme('https, http', false)).toBe('https');
    expect(handshakeScheme(undefined, false)).toBe('http');
    expect(handshakeScheme(undefined, true)).toBe('https');
    expect(handshakeScheme('gopher', true)).toBe('https');
  });
});
