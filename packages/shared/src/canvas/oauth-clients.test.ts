import { describe, expect, it } from 'vitest';
import { createOAuthClients, normaliseOAuthHost, parseOAuthClients, type OAuthClients } from './oauth-clients.js';

const SECRET = 'sekret-value-that-must-not-leak';
const noFile = (): string => {
  throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
};
const parsed = (env: Record<string, string>, readFile: (path: string) => string = noFile): OAuthClients => {
  const result = parseOAuthClients(env, readFile);
  if (typeof result === 'string') throw new Error(result);
  return result;
};
const problem = (env: Record<string, string>, readFile: (path: string) => string = noFile): string => {
  const result = parseOAuthClients(env, readFile);
  if (typeof result !== 'string') throw new Error('accepted');
  expect(result).not.toContain(SECRET);
  return result;
};

describe('parseOAuthClients', () => {
  it('looks keys up by the host of an origin or any URL on it, with the port only when not the default', () => {
    const clients = parsed({
      CANVAS_OAUTH_CLIENTS: JSON.stringify([
        { host: 'School.Instructure.com', clientId: '10', clientSecret: SECRET },
        { host: 'localhost:8900', clientId: '20', clientSecret: 's2' },
        { host: 'canvas.example.edu:443', clientId: '30', clientSecret: 's3' },
      ]),
    });
    expect(clients.hosts).toEqual(['school.instructure.com', 'localhost:8900', 'canvas.example.edu']);
    expect(clients.clientFor('https://school.instructure.com')).toEqual({ clientId: '10', clientSecret: SECRET });
    expect(clients.clientFor('https://SCHOOL.instructure.com/courses/1?x')).toEqual({ clientId: '10', clientSecret: SECRET });
    expect(clients.clientFor('http://localhost:8900')?.clientId).toBe('20');
    expect(clients.clientFor('https://canvas.example.edu:443/')?.clientId).toBe('30');
    expect(clients.clientFor('http://localhost:8901')).toBeUndefined();
    expect(clients.clientFor('https://other.instructure.com')).toBeUndefined();
    expect(clients.clientFor('not a url')).toBeUndefined();
  });

  it('trims a client secret as every secret is trimmed (a pasted newline is not part of it)', () => {
    const clients = parsed({ CANVAS_OAUTH_CLIENTS: JSON.stringify([{ host: 'a.example.edu', clientId: '1', clientSecret: `${SECRET}\n` }]) });
    expect(clients.clientFor('https://a.example.edu')?.clientSecret).toBe(SECRET);
    expect(problem({ CANVAS_OAUTH_CLIENTS: JSON.stringify([{ host: 'a.example.edu', clientId: '1', clientSecret: ' \n' }]) })).toContain('clientSecret');
  });

  it('reads the file variable, and nothing set means no keys', () => {
    const json = JSON.stringify([{ host: 'a.example.edu', clientId: '1', clientSecret: SECRET }]);
    const clients = parsed({ CANVAS_OAUTH_CLIENTS_FILE: '/run/secrets/oauth.json' }, (path) => (path === '/run/secrets/oauth.json' ? json : noFile()));
    expect(clients.clientFor('https://a.example.edu')?.clientId).toBe('1');
    expect(parsed({}).hosts).toEqual([]);
    expect(parsed({ CANVAS_OAUTH_CLIENTS: '  ' }).clientFor('https://a.example.edu')).toBeUndefined();
  });

  it('refuses bad configs with messages naming the variable and field, never a secret', () => {
    expect(problem({ CANVAS_OAUTH_CLIENTS: `[{"host":"a.edu","clientId":"1","clientSecret":"${SECRET}"` })).toMatch(/^CANVAS_OAUTH_CLIENTS: not valid JSON/);
    expect(problem({ CANVAS_OAUTH_CLIENTS: JSON.stringify({ host: 'a.edu', clientId: '1', clientSecret: SECRET }) })).toMatch(/must be a JSON array/);
    expect(problem({ CANVAS_OAUTH_CLIENTS: JSON.stringify([{ host: 'a.edu', clientId: '', clientSecret: SECRET }]) })).toMatch(/entry 1: clientId must be non-empty text/);
    expect(problem({ CANVAS_OAUTH_CLIENTS: JSON.stringify([{ host: 'a.edu', clientId: '1' }]) })).toMatch(/entry 1: clientSecret/);
    expect(problem({ CANVAS_OAUTH_CLIENTS: JSON.stringify([{ host: `https://a.edu/${SECRET}`, clientId: '1', clientSecret: 'x' }]) })).toMatch(/entry 1: host must be a host name/);
    expect(problem({ CANVAS_OAUTH_CLIENTS: JSON.stringify([{ host: SECRET.replace(/-/g, ' '), clientId: '1', clientSecret: 'x' }]) })).toMatch(/host must be/);
    expect(
      problem({
        CANVAS_OAUTH_CLIENTS: JSON.stringify([
          { host: 'a.edu', clientId: '1', clientSecret: SECRET },
          { host: 'A.edu:443', clientId: '2', clientSecret: SECRET },
        ]),
      }),
    ).toMatch(/entry 2: host "a.edu" is listed twice/);
    expect(problem({ CANVAS_OAUTH_CLIENTS: '[]', CANVAS_OAUTH_CLIENTS_FILE: '/x' })).toMatch(/not both/);
    expect(problem({ CANVAS_OAUTH_CLIENTS_FILE: '/missing.json' })).toBe('CANVAS_OAUTH_CLIENTS_FILE: cannot read "/missing.json" (ENOENT)');
  });
});

describe('normaliseOAuthHost / createOAuthClients', () => {
  it('keeps only host[:port], lowercase, without default ports', () => {
    expect(normaliseOAuthHost('Canvas.Example.EDU')).toBe('canvas.example.edu');
    expect(normaliseOAuthHost('localhost:80')).toBe('localhost');
    expect(normaliseOAuthHost('[::1]:8900')).toBe('[::1]:8900');
    for (const bad of ['https://a.edu', 'a.edu/path', 'user@a.edu', 'a.edu:99999', '']) expect(normaliseOAuthHost(bad)).toBeUndefined();
    expect(() => createOAuthClients([{ host: 'a b', clientId: '1', clientSecret: 'x' }])).toThrow(/not a host name/);
  });
});
