import type { SimFaultSpec, SimFaults } from '../faults.types.js';
import { createPrng, deriveSeed, type Prng } from '../data/prng.js';
import { SimInputError } from '../sim-errors.js';

interface Scope {
  spec: SimFaultSpec;
  outageUntil: number;
  /** requests per token since revokeAtRequest was set */
  counters: Map<string, number>;
}

/** The faults one request meets, decided up front with the seeded PRNG. */
export interface FaultDecision {
  outage: boolean;
  /** null: no hang; 0: never answer; >0: answer after that many ms */
  hangMs: number | null;
  serverError: 500 | 502 | 503 | 504 | null;
  /** for 502-504: HTML rather than an empty body */
  htmlBody: boolean;
  slowMs: number;
  malformed: boolean;
  revoke: boolean;
  forbiddenCourseIds: ReadonlySet<number>;
  notFoundCourseIds: ReadonlySet<number>;
  shiftRows: boolean;
}

const SPEC_KEYS = new Set<keyof SimFaultSpec>([
  'serverErrorRate', 'serverErrorStatuses', 'hangRate', 'hangMs', 'slowRate', 'slowMs', 'malformedJsonRate',
  'outageSeconds', 'revokeAtRequest', 'forbiddenCourseIds', 'notFoundCourseIds', 'shiftRows',
]);

/**
 * Fault settings: one global scope and one per token or user id. A request meets the global scope,
 * then its user's, then its token's (later ones override field by field).
 */
export class FaultBook {
  private global: Scope = emptyScope();
  private readonly scoped = new Map<string, Scope>();
  private prng: Prng;

  constructor(private readonly seed: number) {
    this.prng = createPrng(deriveSeed(seed, 'faults'));
  }

  set(faults: SimFaults, now: number): void {
    const { perToken, ...global } = faults;
    applySpec(this.global, global, now);
    for (const [key, spec] of Object.entries(perToken ?? {})) {
      const scope = this.scoped.get(key) ?? emptyScope();
      applySpec(scope, spec, now);
      this.scoped.set(key, scope);
    }
  }

  /** Clears every fault and restarts the fault PRNG, so a test sequence replays identically. */
  clear(): void {
    this.global = emptyScope();
    this.scoped.clear();
    this.prng = createPrng(deriveSeed(this.seed, 'faults'));
  }

  current(): SimFaults {
    const perToken = Object.fromEntries([...this.scoped].map(([key, scope]) => [key, { ...scope.spec }]));
    return { ...this.global.spec, ...(this.scoped.size > 0 ? { perToken } : {}) };
  }

  /** A global outage: the load balancer refuses everything, `/login/oauth2/*` included. */
  outage(now: number): boolean {
    return this.global.outageUntil > now;
  }

  decide(token: string | null, userId: number | null, now: number): FaultDecision {
    const scopes = [this.global, userId === null ? undefined : this.scoped.get(String(userId)), token === null ? undefined : this.scoped.get(token)].filter(
      (s): s is Scope => s !== undefined,
    );
    const spec: SimFaultSpec = Object.assign({}, ...scopes.map((s) => s.spec)) as SimFaultSpec;
    let revoke = false;
    for (const scope of scopes) {
      const k = scope.spec.revokeAtRequest;
      if (token === null || k === undefined) continue;
      const count = (scope.counters.get(token) ?? 0) + 1;
      scope.counters.set(token, count);
      if (count === k) revoke = true;
    }
    const roll = (rate: number | undefined): boolean => rate !== undefined && rate > 0 && this.prng.next() < rate;
    const statuses = spec.serverErrorStatuses && spec.serverErrorStatuses.length > 0 ? spec.serverErrorStatuses : ([500, 502, 503] as const);
    const serverError = roll(spec.serverErrorRate) ? this.prng.pick(statuses) : null;
    return {
      outage: scopes.some((s) => s.outageUntil > now),
      hangMs: roll(spec.hangRate) ? Math.max(0, spec.hangMs ?? 0) : null,
      serverError,
      htmlBody: serverError !== null && this.prng.chance(0.5),
      slowMs: roll(spec.slowRate) ? (spec.slowMs ?? 2000) : 0,
      malformed: roll(spec.malformedJsonRate),
      revoke,
      forbiddenCourseIds: new Set(spec.forbiddenCourseIds ?? []),
      notFoundCourseIds: new Set(spec.notFoundCourseIds ?? []),
      shiftRows: spec.shiftRows === true,
    };
  }
}

function emptyScope(): Scope {
  return { spec: {}, outageUntil: 0, counters: new Map() };
}

/** Merges field by field; null removes a field; unknown fields are refused so typos do not pass silently. */
function applySpec(scope: Scope, spec: SimFaultSpec, now: number): void {
  const merged: Record<string, unknown> = { ...scope.spec };
  for (const [key, value] of Object.entries(spec)) {
    if (!SPEC_KEYS.has(key as keyof SimFaultSpec)) throw new SimInputError(`unknown fault "${key}"`);
    if (value === null || value === undefined) delete merged[key];
    else merged[key] = value;
  }
  if ('outageSeconds' in spec) scope.outageUntil = typeof spec.outageSeconds === 'number' ? now + spec.outageSeconds * 1000 : 0;
  if ('revokeAtRequest' in spec) scope.counters.clear();
  scope.spec = merged as SimFaultSpec;
}
