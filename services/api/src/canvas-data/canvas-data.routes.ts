import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AppError } from '@canvas-sync/shared';
import { authErrors, CanvasIdParam, ErrorBody } from '../http/schemas.js';
import { PICKER_LIMIT, type CanvasDataStore } from './canvas-data.repository.js';

const iso = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);

const Term = z.object({ id: z.number(), name: z.string().nullable(), startAt: z.string().nullable(), endAt: z.string().nullable(), workflowState: z.string().nullable() });
const Course = z.object({
  id: z.number(),
  name: z.string().nullable(),
  courseCode: z.string().nullable(),
  termId: z.number().nullable(),
  workflowState: z.string().nullable(),
  startAt: z.string().nullable(),
  endAt: z.string().nullable(),
  accessRestricted: z.boolean(),
});
/** `truncated` is true when the user has more rows than a picker shows. */
const TermList = z.object({ items: z.array(Term), truncated: z.boolean() }).meta({ id: 'TermList' });
const CourseList = z.object({ items: z.array(Course), truncated: z.boolean() }).meta({ id: 'CourseList' });

const tags = ['canvas data'];
const security = [{ bearerAuth: [] }];

/** `/api/v1/canvas/terms` and `/api/v1/canvas/courses`: synced rows for scope pickers. */
export const canvasDataRoutes: FastifyPluginAsyncZod<{ store: CanvasDataStore }> = async (app, { store }) => {
  app.get('/canvas/terms', {
    schema: { tags, security, summary: "The user's synced terms", response: { 200: TermList, ...authErrors } },
    handler: async (request) => {
      const rows = await store.terms(request.userId, PICKER_LIMIT + 1);
      const items = rows.slice(0, PICKER_LIMIT).map((t) => ({ id: t.id, name: t.name, startAt: iso(t.start_at), endAt: iso(t.end_at), workflowState: t.workflow_state }));
      return { items, truncated: rows.length > PICKER_LIMIT };
    },
  });

  app.get('/canvas/courses', {
    schema: {
      tags,
      security,
      summary: "The user's synced courses, optionally of one term",
      querystring: z.object({ termId: CanvasIdParam.optional() }).strict(),
      response: { 200: CourseList, ...authErrors },
    },
    handler: async (request) => {
      const rows = await store.courses(request.userId, PICKER_LIMIT + 1, request.query.termId);
      const items = rows.slice(0, PICKER_LIMIT).map((c) => ({
        id: c.id,
        name: c.name,
        courseCode: c.course_code,
        termId: c.term_id,
        workflowState: c.workflow_state,
        startAt: iso(c.start_at),
        endAt: iso(c.end_at),
        accessRestricted: c.access_restricted,
      }));
      return { items, truncated: rows.length > PICKER_LIMIT };
    },
  });

  app.delete('/canvas/data', {
    schema: {
      tags,
      security,
      summary: "Erase the user's synced Canvas data, checkpoints and sync history (409 while a sync is queued or running)",
      response: { 204: z.null().describe('Erased'), ...authErrors, 409: ErrorBody },
    },
    handler: async (request, reply) => {
      const refused = await store.erase(request.userId);
      if (refused) throw new AppError('sync_in_progress', 'A sync is queued or running; cancel it before erasing your data.', { details: { syncId: refused.activeSyncId } });
      request.log.info({ userId: request.userId }, 'canvas data erased');
      return reply.code(204).send(null);
    },
  });
};
