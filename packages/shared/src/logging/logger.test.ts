import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactUrlQuery } from './logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter((l) => l.trim()));
      done();
    },
  });
  return { lines, logger: createLogger({ service: 'test', level: 'trace', destination }) };
}

describe('logger secrecy', () => {
  it('redacts credential query values in request URLs, as fastify logs them', () => {
    const { lines, logger } = capture();
    // fastify logs the request object under `req` on every request.
    logger.info({ req: { method: 'GET', url: '/?token=eyJhbGciOi.secret.sig&view=1', host: 'x', ip: '127.0.0.1', socket: { remotePort: 5 } } }, 'incoming request');
    expect(lines[0]).not.toContain('eyJhbGciOi');
    expect(JSON.parse(lines[0]!).req).toEqual({ method: 'GET', url: '/?token=[redacted]&view=1', host: 'x', remoteAddress: '127.0.0.1', remotePort: 5 });
  });

  it.each([
    ['/api/v1/courses?access_token=7~abc&per_page=100', '/api/v1/courses?access_token=[redacted]&per_page=100'],
    ['/?TOKEN=a&jwt=b&id_token=c', '/?TOKEN=[redacted]&jwt=[redacted]&id_token=[redacted]'],
    ['/?tok%65n=a', '/?tok%65n=[redacted]'],
    ['/plain', '/plain'],
    ['/?flag&termId=7', '/?flag&termId=7'],
    ['/?%E0%A4%A=1', '/?%E0%A4%A=1'],
  ])('%s → %s', (url, expected) => {
    expect(redactUrlQuery(url)).toBe(expected);
  });

  it('blanks tokens and authorization headers wherever they are logged', () => {
    const { lines, logger } = capture();
    logger.warn({ accessToken: '7~canvas', headers: { authorization: 'Bearer jwt' }, ctx: { token: 't' } }, 'x');
    expect(lines[0]).not.toMatch(/7~canvas|Bearer jwt|"t"/);
  });
});
