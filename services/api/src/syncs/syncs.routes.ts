import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AppError, SyncId, toSyncView } from '@canvas-sync/shared';
import { authErrors, ErrorBody } from '../http/schemas.js';
import { cancelSync, getSync, resumeSync, startSync, type SyncPorts } from './syncs.service.js';
import { ListSyncsQuery, StartSyncBody, SyncAccepted, SyncIdParams, SyncPage, SyncView } from './syncs.schemas.js';

const tags = ['syncs'];
const security = [{ bearerAuth: [] }];

/** `/api/v1/syncs…`: start, history, one sync, cancel, resume (DESIGN.md, HTTP API). */
export const syncsRoutes: FastifyPluginAsyncZod<{ ports: SyncPorts }> = async (app, { ports }) => {
  app.post('/syncs', {
    schema: {
      tags,
      security,
      summary: 'Start a sync',
      body: StartSyncBody,
      response: { 202: SyncAccepted, ...authErrors, 409: ErrorBody, 412: ErrorBody },
    },
    handler: async (request, reply) => {
      const row = await startSync(ports, request.userId, request.body);
      return reply.code(202).send({ id: row.id, status: 'queued' as const });
    },
  });

  app.get('/syncs', {
    schema: { tags, security, summary: "The user's sync history, newest first", querystring: ListSyncsQuery, response: { 200: SyncPage, ...authErrors } },
    handler: async (request) => {
      const limit = request.query.limit ?? 20;
      const { cursor } = request.query;
      const invalidCursor = cursor !== undefined && !SyncId.safeParse(cursor).success;
      // One extra row tells whether another page exists.
      const rows = invalidCursor ? undefined : await ports.syncs.list(request.userId, limit + 1, cursor);
      if (!rows) throw new AppError('validation_failed', 'The cursor is not valid; start again without it.');
      const page = rows.slice(0, limit);
      const items = page.map((row) => {
        const { diff: _diff, ...view } = toSyncView(row);
        return view;
      });
      return { items, nextCursor: rows.length > limit ? page[page.length - 1]!.id : null };
    },
  });

  app.get('/syncs/:id', {
    schema: { tags, security, summary: 'One sync', params: SyncIdParams, response: { 200: SyncView, ...authErrors, 404: ErrorBody } },
    handler: async (request) => toSyncView(await getSync(ports, request.userId, request.params.id)),
  });

  app.post('/syncs/:id/cancel', {
    schema: { tags, security, summary: 'Cancel a queued or running sync', params: SyncIdParams, response: { 202: SyncView, ...authErrors, 404: ErrorBody, 409: ErrorBody } },
    handler: async (request, reply) => reply.code(202).send(await cancelSync(ports, request.userId, request.params.id)),
  });

  app.post('/syncs/:id/resume', {
    schema: { tags, security, summary: 'Resume a failed or cancelled sync', params: SyncIdParams, response: { 202: SyncView, ...authErrors, 404: ErrorBody, 409: ErrorBody } },
    handler: async (request, reply) => reply.code(202).send(await resumeSync(ports, request.userId, request.params.id)),
  });
};
