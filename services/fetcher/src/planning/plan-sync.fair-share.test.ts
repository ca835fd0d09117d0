import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { MessageContext } from '@canvas-sync/shared';
import { UserSlots } from '../fetching/user-slots.js';
import { planSyncHandler, type PlannerDeps } from './plan-sync.handler.js';

const ctx = (deliveryCount: number): MessageContext => ({ msgId: 'm', correlationId: 'c', deliveryCount, lastDelivery: false, traceparent: undefined, logger: pino({ level: 'silent' }) });

describe('planner: a per-user share of planner slots (issue 14)', () => {
  it('puts back a planning of a user who already holds their share, before any I/O', async () => {
    const slots = new UserSlots(1);
    const held = slots.tryTake('greedy')!;
    // No database, no Canvas: a put-back planning must not touch them.
    const handle = planSyncHandler({ slots } as unknown as PlannerDeps);
    const result = await handle({ syncId: '5b0e3a55-0c55-4c1e-9d42-2f3f1b6f7a03', userId: 'greedy', run: 0 }, ctx(1));
    expect(result).toMatchObject({ nak: expect.any(Number) });
    held.release();
    expect(slots.tryTake('greedy')).toBeDefined();
  });
});
