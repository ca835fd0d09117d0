import { describe, expect, it } from 'vitest';
import { canvasHostOf, hasDeveloperKey } from './canvas-hosts.js';

describe('the Canvas host of a typed URL, keyed as the api keys developer keys', () => {
  it('lowercases, drops default ports, paths and credentials, and reads a bare host as https', () => {
    expect(canvasHostOf('https://School.Instructure.com/courses/1')).toBe('school.instructure.com');
    expect(canvasHostOf('school.instructure.com')).toBe('school.instructure.com');
    expect(canvasHostOf('https://school.example.edu:443')).toBe('school.example.edu');
    expect(canvasHostOf('http://127.0.0.1:4567/')).toBe('127.0.0.1:4567');
    expect(canvasHostOf('https://u:p@school.example.edu:8443')).toBe('school.example.edu:8443');
  });

  it('is null for nothing or a non-web URL', () => {
    expect(canvasHostOf('  ')).toBeNull();
    expect(canvasHostOf('ftp://school.example.edu')).toBeNull();
    expect(canvasHostOf('https://')).toBeNull();
  });

  it('offers Connect with Canvas only for a configured host', () => {
    const hosts = ['school.instructure.com', '127.0.0.1:4567'];
    expect(hasDeveloperKey(hosts, 'https://school.instructure.com')).toBe(true);
    expect(hasDeveloperKey(hosts, 'http://127.0.0.1:4567')).toBe(true);
    expect(hasDeveloperKey(hosts, 'http://127.0.0.1:4568')).toBe(false);
    expect(hasDeveloperKey(hosts, 'https://other.instructure.com')).toBe(false);
    expect(hasDeveloperKey([], 'https://school.instructure.com')).toBe(false);
  });
});
