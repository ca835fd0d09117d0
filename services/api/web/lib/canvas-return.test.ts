import { describe, expect, it } from 'vitest';
import { canvasErrorText, readCanvasReturn } from './canvas-return.js';

describe('the OAuth return in the panel URL', () => {
  it('reads canvas=connected and strips it, keeping the rest of the address', () => {
    expect(readCanvasReturn('https://sync.example.edu/panel/?x=1&canvas=connected#h')).toEqual({ result: { outcome: 'connected' }, cleanUrl: '/panel/?x=1#h' });
  });

  it('reads canvas=error with its code and strips both', () => {
    expect(readCanvasReturn('https://sync.example.edu/?canvas=error&code=access_denied')).toEqual({ result: { outcome: 'error', code: 'access_denied' }, cleanUrl: '/' });
    expect(readCanvasReturn('https://sync.example.edu/?canvas=error')?.result).toEqual({ outcome: 'error', code: 'unknown' });
  });

  it('is null on an ordinary visit, and leaves a lone code alone', () => {
    expect(readCanvasReturn('https://sync.example.edu/?code=abc')).toBeNull();
  });

  it('words each error, saying whether the old connection is kept', () => {
    expect(canvasErrorText('access_denied', true)).toBe('You cancelled on Canvas; your previous connection is unchanged.');
    expect(canvasErrorText('access_denied', false)).toBe('You cancelled on Canvas; Canvas is still not connected.');
    expect(canvasErrorText('state_invalid', true)).toMatch(/expired or was already used/);
    expect(canvasErrorText('exchange_failed', false)).toMatch(/Canvas did not finish the sign-in/);
    expect(canvasErrorText('<b>odd</b>', true)).toBe('Connecting Canvas did not work, so nothing was changed (your previous connection is unchanged). Try again.');
  });
});
