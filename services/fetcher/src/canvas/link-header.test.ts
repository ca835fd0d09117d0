import { describe, expect, it } from 'vitest';
import { parseLinkHeader } from './link-header.js';

describe('parseLinkHeader', () => {
  it('reads Canvas links, with commas inside URLs and any spacing/case', () => {
    const header =
      '<https://c.test/api/v1/courses?page=2&include[]=a,b&per_page=100>; rel="next",<https://c.test/api/v1/courses?page=1>;rel="first", <https://c.test/x?page=9>; REL=last';
    expect(parseLinkHeader(header)).toEqual({ next: 'https://c.test/api/v1/courses?page=2&include[]=a,b&per_page=100', first: 'https://c.test/api/v1/courses?page=1', last: 'https://c.test/x?page=9' });
    expect(parseLinkHeader(null)).toEqual({});
    expect(parseLinkHeader('garbage; rel="next"')).toEqual({});
    expect(parseLinkHeader('<https://c.test/a>; title="x"; rel="next"')).toEqual({ next: 'https://c.test/a' });
  });

  it('finishes on hostile headers the old regex backtracked on quadratically (100,000 unclosed "<")', () => {
    // The old regex backtracked on unclosed groups; count work, not time: the parse finishes and finds nothing.
    expect(parseLinkHeader('<'.repeat(100_000))).toEqual({});
    expect(parseLinkHeader(`<a>${';'.repeat(100_000)}`)).toEqual({});
    expect(parseLinkHeader(`<https://c.test/n>; rel="next"${', <x>; rel=x'.repeat(10_000)}`)).toMatchObject({ next: 'https://c.test/n', x: 'x' });
  });
});
