import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { authErrors } from '../http/schemas.js';
import { putScheduleBody, ScheduleView } from './schedules.schemas.js';
import { deleteSchedule, getSchedule, putSchedule, type SchedulePorts } from './schedules.service.js';

const tags = ['schedule'];
const security = [{ bearerAuth: [] }];

/** `/api/v1/schedule`: the user's sync schedule (DESIGN.md "Schedules, change events and webhooks"). */
export const scheduleRoutes: FastifyPluginAsyncZod<{ ports: SchedulePorts }> = async (app, { ports }) => {
  const body = putScheduleBody(ports.config.minIntervalMinutes);
  app.put('/schedule', {
    schema: { tags, security, summary: 'Sync on a schedule (replaces the deployment default for this user)', body, response: { 200: ScheduleView, ...authErrors } },
    handler: async (request) => putSchedule(ports, request.userId, request.body),
  });
  app.get('/schedule', {
    schema: { tags, security, summary: "The user's schedule ({enabled:false} when none)", response: { 200: ScheduleView, ...authErrors } },
    handler: async (request) => getSchedule(ports, request.userId),
  });
  app.delete('/schedule', {
    schema: { tags, security, summary: 'Stop scheduled syncs for this user (the deployment default included)', response: { 204: z.null().describe('Off'), ...authErrors } },
    handler: async (request, reply) => {
      await deleteSchedule(ports, request.userId);
      return reply.code(204).send(null);
    },
  });
};
