import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AppError, RESOURCES } from '@canvas-sync/shared';
import { authErrors, ErrorBody } from '../http/schemas.js';
import type { ChangeFeedStore } from './changes.repository.js';
import { decodeCursor, encodeCursor } from './change-cursor.js';

/** Items per page when `limit` is not given, and the most a page holds. */
export const FEED_DEFAULT_LIMIT = 100;
export const FEED_MAX_LIMIT = 1000;

const ChangesQuery = z
  .object({
    cursor: z.string().max(100).optional().describe('`nextCursor` of the previous page; omit to start at the oldest kept change'),
    limit: z.coerce.number().int().min(1).max(FEED_MAX_LIMIT).optional().describe(`items per page (default ${FEED_DEFAULT_LIMIT}, at most ${FEED_MAX_LIMIT})`),
  })
  .strict();
const ChangeItem = z.object({
  seq: z.number().int(),
  resource: z.enum(RESOURCES),
  id: z.number(),
  action: z.enum(['created', 'updated', 'deleted']),
  at: z.string(),
});
const ChangePage = z
  .object({
    items: z.array(ChangeItem),
    nextCursor: z.string().describe('Pass it back to get what changed after this page; returned even when the page is empty, so a client can poll with it'),
  })
  .meta({ id: 'ChangePage' });

/**
 * `GET /api/v1/canvas/changes`: the caller's change feed, one item per created, updated or deleted
 * row, in commit order with no gaps and no duplicates (docs/architecture.md, "Change feed ordering").
 */
export const changesRoutes: FastifyPluginAsyncZod<{ store: ChangeFeedStore }> = async (app, { store }) => {
  app.get('/canvas/changes', {
    schema: {
      tags: ['canvas data'],
      security: [{ bearerAuth: [] }],
      summary: "What changed in the user's synced data, in commit order, after a cursor",
      querystring: ChangesQuery,
      response: { 200: ChangePage, ...authErrors, 410: ErrorBody },
    },
    handler: async (request) => {
      const { userId } = request;
      const limit = request.query.limit ?? FEED_DEFAULT_LIMIT;
      const after = request.query.cursor === undefined ? 0 : decodeCursor(userId, request.query.cursor);
      if (after === undefined) throw new AppError('cursor_invalid');
      // Checked before reading: a row pruned in between only makes the check stricter, never lets a gap through.
      if (after < (await store.prunedThrough(userId)) && request.query.cursor !== undefined) throw new AppError('cursor_expired');
      const rows = await store.after(userId, after, limit);
      const last = rows.length > 0 ? rows[rows.length - 1]!.seq : after;
      return {
        items: rows.map((r) => ({ seq: r.seq, resource: r.resource as (typeof RESOURCES)[number], id: r.id, action: r.action, at: new Date(r.at).toISOString() })),
        nextCursor: encodeCursor(userId, last),
      };
    },
  });
};
