import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AlertStore, type StandingAlert } from './alert-store.js';

const store = () => {
  const removed: string[] = [];
  const alerts = new AlertStore({ max: 3, ttlMs: 8_000, onAdd: () => undefined, onRemove: (a: StandingAlert) => removed.push(a.text) });
  return { alerts, removed, texts: () => alerts.list().map((a) => a.text) };
};

describe('the panel alert store', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('keeps at most three standing after a preview and a sync (the six-banner pile-up), newest last', () => {
    const { alerts, texts } = store();
    alerts.add('info', 'Preview started: nothing is written until you run it for real.');
    alerts.add('success', 'Preview completed: 3 courses.');
    alerts.add('info', 'Sync started.');
    alerts.add('info', 'Sync 25 % done.');
    alerts.add('info', 'Sync 50 % done.');
    alerts.add('success', 'Sync completed: 3 courses.');
    expect(texts()).toEqual(['Sync 25 % done.', 'Sync 50 % done.', 'Sync completed: 3 courses.']);
  });

  it('dismisses info, milestone and success alerts after the delay, but keeps errors until dismissed', () => {
    const { alerts, texts, removed } = store();
    alerts.add('info', 'Sync 50 % done.');
    const error = alerts.add('error', 'Sync failed: Canvas is down');
    alerts.add('success', 'Sync completed: 3 courses.');
    vi.advanceTimersByTime(7_999);
    expect(texts()).toHaveLength(3);
    vi.advanceTimersByTime(1);
    expect(texts()).toEqual(['Sync failed: Canvas is down']);
    vi.advanceTimersByTime(600_000);
    expect(texts()).toEqual(['Sync failed: Canvas is down']);
    alerts.dismiss(error.id);
    expect(texts()).toEqual([]);
    expect(removed).toEqual(['Sync 50 % done.', 'Sync completed: 3 courses.', 'Sync failed: Canvas is down']);
  });

  it('pushes out the oldest non-error first, never an error', () => {
    const { alerts, texts } = store();
    alerts.add('error', 'Cancel failed: busy');
    alerts.add('info', 'Sync started.');
    alerts.add('error', 'Retry failed: busy');
    alerts.add('info', 'Sync 25 % done.');
    expect(texts()).toEqual(['Cancel failed: busy', 'Retry failed: busy', 'Sync 25 % done.']);
    alerts.add('error', 'Disconnect failed: busy');
    alerts.add('error', 'Sync failed: busy');
    expect(texts()).toEqual(['Cancel failed: busy', 'Retry failed: busy', 'Disconnect failed: busy', 'Sync failed: busy']);
  });

  it('keeps an alert offering an action until it is used or dismissed', () => {
    const { alerts, texts } = store();
    alerts.add('info', 'Sync cancelled. It keeps its checkpoint.', true);
    vi.advanceTimersByTime(60_000);
    expect(texts()).toEqual(['Sync cancelled. It keeps its checkpoint.']);
  });

  it('replaces a standing alert with the same text instead of stacking a copy', () => {
    const { alerts, texts } = store();
    alerts.add('error', 'Pick a term or a course first.');
    alerts.add('error', 'Pick a term or a course first.');
    expect(texts()).toEqual(['Pick a term or a course first.']);
  });
});
