import { describe, expect, it } from 'vitest';
import { parseClientFrame, summarize } from './frames.js';

describe('parseClientFrame', () => {
  it.each([
    ['{"type":"auth","token":"abc"}', true],
    ['{"type":"subscribe"}', true],
    ['{"type":"subscribe","syncId":"5b0e4c6e-8a39-4a8e-9d0c-1f5c3b8b2a11"}', true],
    ['{"type":"subscribe","syncId":"nope"}', 'bad_frame'],
    ['{"type":"auth"}', 'bad_frame'],
    ['{"type":"auth","token":"a","extra":1}', 'bad_frame'],
    ['null', 'bad_frame'],
    ['"auth"', 'bad_frame'],
    ['{"type":7}', 'bad_frame'],
    ['{"type":"hello"}', 'unknown_type'],
  ])('%s → %s', (text, expected) => {
    const result = parseClientFrame(text);
    expect(result.ok ? true : result.code).toBe(expected);
  });
});

describe('summarize', () => {
  it('names what a finished sync holds, without deleted rows', () => {
    const c = (n: number, deleted = 0) => ({ created: n, updated: 0, unchanged: 0, deleted });
    expect(summarize({ courses: c(12, 2), assignments: c(156), assignment_groups: c(24), terms: c(2) })).toBe('12 courses, 156 assignments, 24 categories');
    expect(summarize({ courses: c(1) })).toBe('1 course');
    expect(summarize({})).toBe('');
  });
});
