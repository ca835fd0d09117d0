import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authErrors, ErrorBody } from '../http/schemas.js';
import { ConnectionTestResult, ConnectionView, PutConnectionBody } from './connections.schemas.js';
import { saveConnection, testConnection, viewConnection, type ConnectionPorts } from './connections.service.js';

const tags = ['connection'];
const security = [{ bearerAuth: [] }];

/** `/api/v1/canvas/connection…`: save, read, test (DESIGN.md, HTTP API). */
export const connectionsRoutes: FastifyPluginAsyncZod<{ ports: ConnectionPorts }> = async (app, { ports }) => {
  app.put('/canvas/connection', {
    schema: { tags, security, summary: 'Connect Canvas (base URL + access token)', body: PutConnectionBody, response: { 204: z.null().describe('Saved'), ...authErrors } },
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
};
