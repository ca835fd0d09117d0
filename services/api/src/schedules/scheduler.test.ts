import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { SyncRow } from '@canvas-sync/shared';
import type { ClaimResult } from './schedule-claims.js';
import { schedulerMetrics } from './scheduler-metrics.js';
import { Scheduler, type SchedulerPorts } from './scheduler.js';

const sync = (userId: string): SyncRow => ({ id: `sync-${userId}`, user_id: userId }) as SyncRow;

/** In-memory ports: `due` users are claimed in order while the lease is held and the cap allows. */
function fakePorts(options: { due: string[]; cap?: number; leader?: boolean; failAnnounce?: string; pending?: string[]; raceOn?: string; busy?: number; reauth?: number }) {
  const state = { leader: options.leader ?? true, active: 0, announced: [] as Array<{ userId: string; at: number }>, settled: [] as Array<[string, boolean]>, released: false, claims: 0 };
  const due = [...options.due];
  const ports: SchedulerPorts = {
    acquireOrRenew: async () => state.leader,
    release: async () => void (state.released = true),
    claim: async (_holder, excluded, limit): Promise<ClaimResult> => {
      state.claims += 1;
      if (!state.leader) return { kind: 'lost' };
      const room = Math.min(limit, (options.cap ?? Infinity) - state.active);
      if (room <= 0) return { kind: 'full' };
      const users = due.filter((u) => !excluded.includes(u)).slice(0, room);
      if (users.length === 0) return { kind: 'none' };
      if (options.raceOn !== undefined && users.includes(options.raceOn)) return { kind: 'skipped', userIds: users, err: new Error('race') };
      for (const u of users) due.splice(due.indexOf(u), 1);
      state.active += users.length;
      return { kind: 'claimed', syncs: users.map(sync) };
    },
    announce: async (row) => {
      if (row.user_id === options.failAnnounce) throw new Error('broker down');
      state.announced.push({ userId: row.user_id, at: Date.now() });
    },
    settle: async (userId, _syncId, ok) => void state.settled.push([userId, ok]),
    pending: async () => (options.pending ?? []).splice(0).map((userId) => ({ userId, syncId: `sync-${userId}`, sync: sync(userId) })),
    applyDefault: async () => 0,
    // `busy` and `reauth` due schedules the claims never take; the rest of `due` could run.
    heldBack: async (excluded) => ({ singleFlight: options.busy ?? 0, reauth: options.reauth ?? 0, runnable: due.filter((u) => !excluded.includes(u)).length }),
  };
  return { ports, state };
}

const config = { defaultMinutes: undefined, tickMs: 5_000, leaseMs: 3_000, startsPerSecond: 10 };
const logger = pino({ level: 'silent' });

describe('Scheduler', () => {
  beforeEach(() => void vi.useFakeTimers({ now: 0 }));
  afterEach(() => void vi.useRealTimers());

  it('starts a due wave at most startsPerSecond a second, each at a random moment of its second', async () => {
    const { ports, state } = fakePorts({ due: Array.from({ length: 25 }, (_, i) => `u${i}`) });
    let r = 0;
    // Delays 0, 100, …, 900 ms within each second.
    const random = () => ((r = (r + 1) % 10) / 10);
    const scheduler = new Scheduler({ ports, config, logger, holder: 'a', random });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(999);
    expect(state.announced.length).toBe(10);
    expect(new Set(state.announced.map((a) => a.at)).size).toBe(10);
    await vi.advanceTimersByTimeAsync(2_100);
    expect(state.announced.map((a) => a.userId).sort()).toEqual(Array.from({ length: 25 }, (_, i) => `u${i}`).sort());
    const perSecond = [0, 1, 2].map((s) => state.announced.filter((a) => a.at >= s * 1000 && a.at < (s + 1) * 1000).length);
    expect(perSecond).toEqual([10, 10, 5]);
    expect(state.settled.every(([, ok]) => ok)).toBe(true);
    await scheduler.stop();
    expect(state.released).toBe(true);
  });

  it('leaves a user whose start raced with their own sync for the next tick, and starts the others', async () => {
    const { ports, state } = fakePorts({ due: ['u1', 'racer', 'u3'], raceOn: 'racer' });
    const scheduler = new Scheduler({ ports, config, logger, holder: 'r', random: () => 0 });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(4_000);
    expect(state.announced.map((a) => a.userId)).toEqual(['u1', 'u3']);
    await scheduler.stop();
  });

  it('starts nothing without the lease, and ticks at once when it gets it', async () => {
    const { ports, state } = fakePorts({ due: ['u1'], leader: false });
    const scheduler = new Scheduler({ ports, config, logger, holder: 'b', random: () => 0.5 });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(state.claims).toBe(0);
    expect(scheduler.isLeader).toBe(false);
    state.leader = true;
    // The next renewal is within leaseMs / 3 = 1 s; the tick follows at once (announce at +0.5 s), not after tickMs.
    await vi.advanceTimersByTimeAsync(1_600);
    expect(state.announced.map((a) => a.userId)).toEqual(['u1']);
    await scheduler.stop();
  });

  it('stops a tick at the fleet cap and goes on at a later tick once syncs finish', async () => {
    const { ports, state } = fakePorts({ due: ['u1', 'u2', 'u3', 'u4'], cap: 2 });
    const scheduler = new Scheduler({ ports, config, logger, holder: 'c', random: () => 0.5 });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(4_000);
    expect(state.announced).toHaveLength(2);
    state.active = 0;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(state.announced.map((a) => a.userId)).toEqual(['u1', 'u2', 'u3', 'u4']);
    await scheduler.stop();
  });

  it('announces what a dead leader left pending before claiming anything new', async () => {
    const { ports, state } = fakePorts({ due: ['fresh'], pending: ['left-behind'] });
    const scheduler = new Scheduler({ ports, config, logger, holder: 'd', random: () => 0.5 });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(state.announced.map((a) => a.userId)).toEqual(['left-behind', 'fresh']);
    await scheduler.stop();
  });

  it('stops the tick when the broker refuses and settles that claim as not announced', async () => {
    const { ports, state } = fakePorts({ due: ['u1', 'u2', 'u3', 'u4'], failAnnounce: 'u2' });
    const scheduler = new Scheduler({ ports, config: { ...config, startsPerSecond: 2 }, logger, holder: 'e', random: () => 0.5 });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(1_500);
    expect(state.announced.map((a) => a.userId)).toEqual(['u1']);
    expect(state.settled).toEqual([['u1', true], ['u2', false]]);
    expect(state.claims).toBe(1);
    // The next tick goes on with the rest.
    await vi.advanceTimersByTimeAsync(6_000);
    expect(state.announced.map((a) => a.userId)).toEqual(['u1', 'u3', 'u4']);
    await scheduler.stop();
  });

  it('stops claiming as soon as a claim finds the lease gone', async () => {
    const { ports, state } = fakePorts({ due: Array.from({ length: 50 }, (_, i) => `u${i}`) });
    const scheduler = new Scheduler({ ports, config, logger, holder: 'f', random: () => 0.5 });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(300);
    state.leader = false;
    await vi.advanceTimersByTimeAsync(10_000);
    // The first second's batch was committed before the loss and is announced; nothing after it.
    expect(state.announced.length).toBe(10);
    expect(scheduler.isLeader).toBe(false);
    await scheduler.stop();
    expect(state.released).toBe(false);
  });

  it('reports the lease, the syncs it started and the due schedules it left, by reason', async () => {
    const registry = new Registry();
    const value = async (name: string, labels: Record<string, string> = {}) =>
      (await registry.getSingleMetric(name)!.get()).values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
    const { ports, state } = fakePorts({ due: ['u1', 'u2', 'u3', 'u4', 'u5'], cap: 2, busy: 1, reauth: 3, leader: false });
    const scheduler = new Scheduler({ ports, config, logger, holder: 'm', random: () => 0.5, metrics: schedulerMetrics(registry) });
    expect(await value('canvas_sync_scheduler_leader')).toBe(0);
    expect(await value('canvas_sync_schedules_skipped_total', { reason: 'cap' })).toBe(0);
    scheduler.start();
    await vi.advanceTimersByTimeAsync(100);
    expect(await value('canvas_sync_scheduler_leader')).toBe(0);
    state.leader = true;
    // Leader at the renewal (t = 1 s), the first second's claims, then the tick ends on the cap (t ≈ 2 s).
    await vi.advanceTimersByTimeAsync(2_500);
    expect(await value('canvas_sync_scheduler_leader')).toBe(1);
    expect(await value('canvas_sync_scheduled_syncs_started_total')).toBe(2);
    // One tick, ended on the cap: the 3 runnable ones wait for it, 1 for its user's running sync, 3 for a reconnection.
    expect(await value('canvas_sync_schedules_skipped_total', { reason: 'cap' })).toBe(3);
    expect(await value('canvas_sync_schedules_skipped_total', { reason: 'single_flight' })).toBe(1);
    expect(await value('canvas_sync_schedules_skipped_total', { reason: 'reauth' })).toBe(3);
    await scheduler.stop();
    expect(await value('canvas_sync_scheduler_leader')).toBe(0);
  });
});
