import { DeliverPolicy } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import { resumeFrom } from './progress.feed.js';

describe('where the progress feed (re)opens', () => {
  const startedAt = new Date('2026-12-06T14:00:00.000Z');

  it('starts at the time the feed started when it has seen nothing', () => {
    expect(resumeFrom(0, startedAt)).toEqual({ deliver_policy: DeliverPolicy.StartTime, opt_start_time: '2026-12-06T14:00:00.000Z' });
  });

  it('resumes right after the last event it saw, never at "new" (a gap would lose a sync\'s last frame)', () => {
    expect(resumeFrom(41, startedAt)).toEqual({ deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: 42 });
  });
});
