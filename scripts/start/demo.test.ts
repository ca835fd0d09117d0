import { describe, expect, it } from 'vitest';
import { loadApiConfig } from '../../services/api/src/config.js';
import { demoOAuthClient, demoOAuthEnv } from './demo.js';

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
