import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { envOptionalUrl } from './env-schemas.js';

describe('envOptionalUrl', () => {
  const schema = z.object({ HOOK: envOptionalUrl('must be a URL', (url) => (url.protocol === 'https:' ? undefined : 'must use https://')) });
  const messages = (value: string) => (schema.safeParse({ HOOK: value }).error?.issues ?? []).map((i) => i.message);

  it('is undefined when unset or blank, and the URL as URL prints it otherwise', () => {
    expect(schema.parse({}).HOOK).toBeUndefined();
    expect(schema.parse({ HOOK: '  ' }).HOOK).toBeUndefined();
    expect(schema.parse({ HOOK: ' https://Example.edu ' }).HOOK).toBe('https://example.edu/');
  });

  it('refuses text that is no URL without echoing it, and a URL its check refuses with the check’s words', () => {
    expect(messages('not a url secret-token')).toEqual(['must be a URL']);
    expect(messages('http://example.edu/')).toEqual(['must use https://']);
  });
});
