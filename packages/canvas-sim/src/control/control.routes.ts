import type { FastifyInstance, FastifyReply } from 'fastify';
import type { SimFaults } from '../faults.types.js';
import type { SimMutation } from '../mutation.types.js';
import { SimInputError } from '../sim-errors.js';
import type { SimControl } from './sim-control.js';

/** `/__sim/…`: the control API over HTTP, without auth, throttle or faults (CLI users drive the sim with it). */
export function registerControlRoutes(app: FastifyInstance, control: SimControl): void {
  const idOf = (params: unknown, name = 'id'): number => Number((params as Record<string, string>)[name]);
  /** Bad input answers `{error}` with its status; anything else is a real bug and stays a 500. */
  const guard = async (reply: FastifyReply, work: () => unknown): Promise<unknown> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof SimInputError) return reply.code(error.status).send({ error: error.message });
      throw error;
    }
  };
  const noContent = (reply: FastifyReply, work: () => void) =>
    guard(reply, () => {
      work();
      return reply.code(204).send();
    });

  app.get('/__sim/users', async () => control.users());
  app.get('/__sim/ground-truth/:userId', async (req, reply) => guard(reply, () => control.groundTruth(idOf(req.params, 'userId'))));
  app.get('/__sim/ground-truth/:userId/courses/:courseId', async (req, reply) =>
    guard(reply, () => {
      const truth = control.groundTruthCourse(idOf(req.params, 'userId'), idOf(req.params, 'courseId'));
      if (!truth) throw new SimInputError('no such course', 404);
      return truth;
    }),
  );
  app.get('/__sim/counts/:userId', async (req, reply) => guard(reply, () => control.counts(idOf(req.params, 'userId'))));
  app.get('/__sim/summary/:userId', async (req, reply) => guard(reply, () => control.summary(idOf(req.params, 'userId'))));
  app.post('/__sim/mutate', async (req, reply) => guard(reply, () => ({ result: control.mutate(req.body as SimMutation) })));
  app.get('/__sim/faults', async () => control.currentFaults());
  app.put('/__sim/faults', async (req, reply) =>
    guard(reply, () => {
      control.setFaults((req.body ?? {}) as SimFaults);
      return control.currentFaults();
    }),
  );
  app.delete('/__sim/faults', async (_req, reply) => noContent(reply, () => control.clearFaults()));
  app.get('/__sim/stats', async () => control.statsSnapshot());
  app.post('/__sim/stats/reset', async (_req, reply) => noContent(reply, () => control.resetStats()));
  app.post('/__sim/users/:id/revoke', async (req, reply) => noContent(reply, () => control.revokeToken(idOf(req.params))));
  app.post('/__sim/users/:id/expire', async (req, reply) => noContent(reply, () => control.expireToken(idOf(req.params))));
  app.post('/__sim/users/:id/token', async (req, reply) => guard(reply, () => ({ token: control.issueToken(idOf(req.params)) })));

  app.put('/__sim/users/:id/hostile', async (req, reply) =>
    guard(reply, () => {
      const kind = (req.body as { kind?: unknown } | null)?.kind ?? null;
      control.setHostile(idOf(req.params), kind);
      return { kind };
    }),
  );
  registerOAuthControlRoutes(app, control, guard);
}

/** `/__sim/oauth/…`: the browser's signed-in user, grant revocation, token expiry, counters. */
function registerOAuthControlRoutes(app: FastifyInstance, control: SimControl, guard: (reply: FastifyReply, work: () => unknown) => Promise<unknown>): void {
  const userOf = (params: unknown): number => Number((params as Record<string, string>)['id']);
  const clientOf = (body: unknown): string | undefined => {
    const clientId = (body as { clientId?: unknown } | null | undefined)?.clientId;
    if (clientId === undefined || clientId === null) return undefined;
    if (typeof clientId !== 'string') throw new SimInputError('clientId must be a string');
    return clientId;
  };
  app.get('/__sim/oauth/session', async () => ({ userId: control.oauthSessionUser() }));
  app.put('/__sim/oauth/session', async (req, reply) =>
    guard(reply, () => {
      const userId = (req.body as { userId?: unknown } | null)?.userId;
      if (typeof userId !== 'number') throw new SimInputError('body must be {userId: number}');
      control.setOAuthSessionUser(userId);
      return { userId };
    }),
  );
  app.post('/__sim/oauth/users/:id/revoke', async (req, reply) => guard(reply, () => ({ revoked: control.revokeOAuthGrants(userOf(req.params), clientOf(req.body)) })));
  app.post('/__sim/oauth/users/:id/expire', async (req, reply) => guard(reply, () => ({ expired: control.expireOAuthTokens(userOf(req.params), clientOf(req.body)) })));
  app.get('/__sim/oauth/stats', async () => control.oauthStats());
}
