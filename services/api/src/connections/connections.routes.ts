import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authErrors, ErrorBody } from '../http/schemas.js';
import { ConnectionTestResult, ConnectionView, PutConnectionBody } from './connections.schemas.js';
import { saveConnection, testConnection, viewConnection, type ConnectionPorts } from './connections.service.js';
import { disconnect, type DisconnectPorts } from './disconnect.service.js';

const tags = ['connection'];
const security = [{ bearerAuth: [] }];

/** `/api/v1/canvas/connection…`: save, read, test, disconnect (DESIGN.md, HTTP API). */
export const connectionsRoutes: FastifyPluginAsyncZod<{ ports: ConnectionPorts; disconnectPorts: DisconnectPorts }> = async (app, { ports, disconnectPorts }) => {
  app.put('/canvas/connection', {
    schema: {
      tags,
      security,
      summary: 'Connect Canvas with a pasted personal access token (403 personal_tokens_disabled when CANVAS_PERSONAL_TOKENS=deny)',
      body: PutConnectionBody,
      response: { 204: z.null().describe('Saved'), ...authErrors, 403: ErrorBody },
    },
    handler: async (request, reply) => {
      await saveConnection(ports, request.userId, request.body);
      return reply.code(204).send(null);
    },
  });

  app.get('/canvas/connection', {
    schema: { tags, security, summary: "The user's Canvas connection (never the token)", response: { 200: ConnectionView, ...authErrors } },
    handler: async (request) => viewConnection(ports, request.userId),
  });

  app.post('/canvas/connection/test', {
    schema: { tags, security, summary: 'Ask Canvas whether the stored token works', response: { 200: ConnectionTestResult, ...authErrors, 412: ErrorBody } },
    handler: async (request) => testConnection(ports, request.userId),
  });

  app.delete('/canvas/connection', {
    schema: {
      tags,
      security,
      summary: 'Disconnect Canvas: cancel the active sync, revoke the grant at Canvas (best effort), forget every token; synced data stays',
      response: { 204: z.null().describe('Disconnected'), ...authErrors },
    },
    handler: async (request, reply) => {
      await disconnect(disconnectPorts, request.userId);
      return reply.code(204).send(null);
    },
  });
};
