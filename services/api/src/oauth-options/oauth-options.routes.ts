import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authErrors } from '../http/schemas.js';

/** What the panel may offer: Canvas hosts with a developer key (names only, never a key) and the pasted-token policy. */
export interface ConnectOptionsPorts {
  /** Hosts as `CANVAS_OAUTH_CLIENTS` keys them (lowercase, `:port` when not the default). */
  hosts: readonly string[];
  personalTokens: 'allow' | 'deny';
}

export const ConnectOptions = z
  .object({
    hosts: z.array(z.string()).describe('Canvas hosts with a developer key: "Connect with Canvas" works for these'),
    personalTokens: z.enum(['allow', 'deny']).describe('whether PUT /api/v1/canvas/connection accepts a pasted access token'),
  })
  .meta({ id: 'ConnectOptions' });

/** `GET /api/v1/canvas/oauth/options`: read-only, for the panel to choose between its ways in. */
export const oauthOptionsRoutes: FastifyPluginAsyncZod<{ ports: ConnectOptionsPorts }> = async (app, { ports }) => {
  // Frozen copies: the answer is the same for everyone and never grows with requests.
  const answer = Object.freeze({ hosts: Object.freeze([...ports.hosts]), personalTokens: ports.personalTokens });
  app.get('/canvas/oauth/options', {
    schema: {
      tags: ['connection'],
      security: [{ bearerAuth: [] }],
      summary: 'Which Canvas hosts "Connect with Canvas" works for, and whether pasted tokens are accepted',
      response: { 200: ConnectOptions, ...authErrors },
    },
    handler: async () => ({ hosts: [...answer.hosts], personalTokens: answer.personalTokens }),
  });
};
