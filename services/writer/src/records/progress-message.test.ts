import { describe, expect, it } from 'vitest';
import { unitMessage } from './progress-message.js';

describe('the live message of a written unit', () => {
  it('names the course being synced', () => {
    expect(unitMessage('course:123', 'Introduction to Computer Science')).toBe('Syncing course: Introduction to Computer Science');
    expect(unitMessage('courses', null)).toBe('Fetched the course list');
  });

  it('falls back to the id without a name, and tames what Canvas sent', () => {
    expect(unitMessage('course:123', null)).toBe('Syncing course 123');
    expect(unitMessage('course:123', '   ')).toBe('Syncing course 123');
    expect(unitMessage('course:7', 'Bio\n101\u0000 \t lab')).toBe('Syncing course: Bio 101 lab');
    const long = unitMessage('course:7', 'x'.repeat(1000));
    expect(long.length).toBeLessThanOrEqual(500);
    expect(long.endsWith('…')).toBe(true);
  });
});
