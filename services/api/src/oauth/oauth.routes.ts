import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authErrors, ErrorBody } from '../http/schemas.js';
import { OAuthCallbackQuery, OAuthStartAnswer, OAuthStartBody } from './oauth.schemas.js';
import { finishOAuth, startOAuth, type OAuthPorts } from './oauth.service.js';

const tags = ['connection'];

/** `POST /api/v1/canvas/oauth/start` (needs the user's bearer token). */
export const oauthStartRoutes: FastifyPluginAsyncZod<{ ports: OAuthPorts }> = async (app, { ports }) => {
  app.post('/canvas/oauth/start', {
    schema: {
      tags,
      security: [{ bearerAuth: [] }],
      summary: 'Begin "Connect with Canvas": returns the Canvas authorize URL to send the browser to',
      body: OAuthStartBody,
      response: { 200: OAuthStartAnswer, ...authErrors, 422: ErrorBody },
    },
    handler: async (request) => startOAuth(ports, request.userId, request.body),
  });
};

/**
 * `GET /api/v1/canvas/oauth/callback`: Canvas sends the browser here, so there is no bearer token;
 * the single-use `state` says whose authorization it is. The answer is a 303 that must not be
 * cached, and the page after it must not learn the code from a Referer.
 */
export const oauthCallbackRoutes: FastifyPluginAsyncZod<{ ports: OAuthPorts }> = async (app, { ports }) => {
  app.get('/canvas/oauth/callback', {
    schema: {
      tags,
      summary: 'Where Canvas sends the browser back; redirects (303) to returnTo with canvas=connected or canvas=error&code=…',
      querystring: OAuthCallbackQuery,
      response: { 303: z.null().describe('To returnTo'), 400: ErrorBody, 429: ErrorBody, 500: ErrorBody, 503: ErrorBody },
    },
    handler: async (request, reply) => {
      const location = await finishOAuth(ports, request.query);
      return reply.code(303).header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').header('location', location).send(null);
    },
  });
};
