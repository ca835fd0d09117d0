import { describe, expect, it } from 'vitest';
import { userSubjectToken } from './subject-token.js';

describe('userSubjectToken', () => {
  it('keeps ids that are already one safe subject token', () => {
    expect(userSubjectToken('42')).toBe('42');
    expect(userSubjectToken('user_1-A')).toBe('user_1-A');
  });

  it('encodes ids a subject token cannot hold, reversibly and without colliding with verbatim ids', () => {
    for (const id of ['a.b', 'alice@school.edu', 'x y', '*', '>', '~42', 'é']) {
      const token = userSubjectToken(id);
      expect(token).toMatch(/^~[A-Za-z0-9_-]+$/);
      expect(Buffer.from(token.slice(1), 'base64url').toString('utf8')).toBe(id);
    }
    expect(userSubjectToken('~42')).not.toBe('~42');
  });
});
