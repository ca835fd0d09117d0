import { describe, expect, it } from 'vitest';
import { loadApiConfig } from '../../services/api/src/config.js';
import { DEMO_CANVAS_LATENCY_MS, demoCanvasLatencyMs, demoOAuthClient, demoOAuthEnv } from './demo.js';

describe("npm start's OAuth demo settings", () => {
  it("give the api the simulator's developer key, keep pasted tokens and point PUBLIC_URL at the api", () => {
    const client = demoOAuthClient();
    const env = demoOAuthEnv({}, 'http://127.0.0.1:45678', client, 3100);
    const config = loadApiConfig({ API_PORT: '3100', CANVAS_ALLOW_PRIVATE_NETWORK: 'true', ...env }, () => '');
    expect(config.oauth.clients.clientFor('http://127.0.0.1:45678')).toEqual(client);
    expect(config.oauth.personalTokens).toBe('allow');
    expect(config.oauth.redirectUri).toBe('http://localhost:3100/api/v1/canvas/oauth/callback');
  });

  it("leave the operator's own settings alone", () => {
    const env = demoOAuthEnv({ CANVAS_OAUTH_CLIENTS_FILE: '/x.json', CANVAS_PERSONAL_TOKENS: 'deny', PUBLIC_URL: 'https://s.example.edu' }, 'http://127.0.0.1:1', demoOAuthClient(), 3000);
    expect(env).toEqual({});
  });
});

describe("npm start's demo Canvas speed", () => {
  it('answers at realistic speed unless DEMO_CANVAS_LATENCY_MS says otherwise (0 = fast)', () => {
    expect(DEMO_CANVAS_LATENCY_MS).toBeGreaterThanOrEqual(200);
    expect(demoCanvasLatencyMs({})).toBe(DEMO_CANVAS_LATENCY_MS);
    expect(demoCanvasLatencyMs({ DEMO_CANVAS_LATENCY_MS: ' ' })).toBe(DEMO_CANVAS_LATENCY_MS);
    expect(demoCanvasLatencyMs({ DEMO_CANVAS_LATENCY_MS: '0' })).toBe(0);
    expect(demoCanvasLatencyMs({ DEMO_CANVAS_LATENCY_MS: '750' })).toBe(750);
  });

  it('refuses a value that is not a whole number of milliseconds, naming the variable', () => {
    for (const bad of ['fast', '-5', '1.5', '1e3', '600000']) expect(() => demoCanvasLatencyMs({ DEMO_CANVAS_LATENCY_MS: bad })).toThrow(/DEMO_CANVAS_LATENCY_MS must be a whole number/);
  });
});
