import type { FastifyInstance } from 'fastify';

/**
 * JSON bodies through fastify's own secure parser (which refuses `__proto__`/`constructor`
 * poisoning), except that an empty body counts as no body: browsers' `fetch` often sends
 * `content-type: application/json` on a bodiless POST such as cancel, and that is not bad JSON.
 * Every other content type is refused with 415.
 */
export function installJsonParser(app: FastifyInstance): void {
  // JSON only: a text/plain body would otherwise reach validation as a string.
  app.removeContentTypeParser('text/plain');
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    parseJson(request, text, done);
  });
}
