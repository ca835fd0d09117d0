import { describe, expect, it } from 'vitest';
import { isAppError } from '@canvas-sync/shared';
import { checkReturnTo, returnUrl } from './return-to.js';

const policy = { publicUrl: 'https://sync.example.edu', corsOrigins: ['https://app.example.edu', 'http://localhost:5173'] };

describe('checkReturnTo', () => {
  it('accepts paths on the api origin and URLs on the api or CORS origins', () => {
    expect(checkReturnTo(undefined, policy)).toBe('/');
    expect(checkReturnTo('/', policy)).toBe('/');
    expect(checkReturnTo('/panel/settings?tab=canvas#top', policy)).toBe('/panel/settings?tab=canvas#top');
    expect(checkReturnTo('/a/../b', policy)).toBe('/b');
    expect(checkReturnTo('https://app.example.edu/courses?x=1', policy)).toBe('https://app.example.edu/courses?x=1');
    expect(checkReturnTo('http://localhost:5173/', policy)).toBe('http://localhost:5173/');
    expect(checkReturnTo('https://sync.example.edu/x', policy)).toBe('https://sync.example.edu/x');
  });

  it('refuses everything a browser could read as another host', () => {
    const refused = [
      '//evil.example',
      '/\\evil.example',
      '\\\\evil.example',
      '/\t/evil.example',
      ' /x',
      'https://evil.example/',
      'https://app.example.edu.evil.example/',
      'https://app.example.edu@evil.example/',
      'https://user:pw@app.example.edu/',
      'http://app.example.edu/',
      'javascript:alert(1)',
      'data:text/html,hi',
      'evil.example',
      'x'.repeat(3000),
    ];
    for (const value of refused) {
      let error: unknown;
      try {
        checkReturnTo(value, policy);
      } catch (err) {
        error = err;
      }
      expect(isAppError(error, 'return_to_invalid'), value).toBe(true);
    }
  });
});

describe('returnUrl', () => {
  it('adds the outcome to the query, before the fragment, keeping paths relative', () => {
    expect(returnUrl('/', { canvas: 'connected' })).toBe('/?canvas=connected');
    expect(returnUrl('/p?tab=1#top', { canvas: 'error', code: 'access_denied' })).toBe('/p?tab=1&canvas=error&code=access_denied#top');
    expect(returnUrl('https://app.example.edu/x?canvas=old', { canvas: 'connected' })).toBe('https://app.example.edu/x?canvas=connected');
  });
});
