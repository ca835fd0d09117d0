import { describe, expect, it } from 'vitest';
import { classifyCanvasResponse } from './classify.js';
import { parseLinkHeader } from './link-header.js';

describe('classifyCanvasResponse', () => {
  it.each([
    [200, null, '[]', 'ok'],
    [429, null, '', 'throttled'],
    [403, null, '403 Forbidden (Rate Limit Exceeded)', 'throttled'],
    [403, null, '{"status":"unauthorized","errors":[{"message":"user not authorized to perform that action"}]}', 'forbidden'],
    [401, 'Bearer realm="canvas-lms"', '{"errors":[{"message":"Invalid access token."}]}', 'token_invalid'],
    [401, null, '{"status":"unauthorized"}', 'forbidden'],
    [404, null, '{"errors":[{"message":"The specified resource does not exist."}]}', 'not_found'],
    [500, null, '{"errors":[{"message":"An error occurred."}]}', 'unavailable'],
    [502, null, '', 'unavailable'],
    [503, null, '<html>', 'unavailable'],
    [400, null, '{"errors":{"x":1}}', 'bad_request'],
  ])('%i %s → %s', (status, auth, body, kind) => {
    expect(classifyCanvasResponse(status, auth, body).kind).toBe(kind);
  });

  it('names expired and revoked tokens', () => {
    const out = classifyCanvasResponse(401, 'Bearer realm="canvas-lms"', '{"errors":[{"message":"Revoked access token."}]}');
    expect(out).toMatchObject({ kind: 'token_invalid', message: expect.stringContaining('revoked') });
  });
});

describe('parseLinkHeader', () => {
  it('parses rels in any case and keeps commas inside URLs', () => {
    const header =
      '<https://c.example/api/v1/courses?page=1&per_page=100&x=a,b>; rel="current",<https://c.example/api/v1/courses?page=2&per_page=100&x=a,b>; REL="next", <https://c.example/api/v1/courses?page=1&per_page=100>; rel="first"';
    expect(parseLinkHeader(header)).toEqual({
      current: 'https://c.example/api/v1/courses?page=1&per_page=100&x=a,b',
      next: 'https://c.example/api/v1/courses?page=2&per_page=100&x=a,b',
      first: 'https://c.example/api/v1/courses?page=1&per_page=100',
    });
    expect(parseLinkHeader(null)).toEqual({});
  });
});
