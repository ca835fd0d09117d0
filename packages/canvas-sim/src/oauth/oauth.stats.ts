import type { SimOAuthCounters, SimOAuthRefusal, SimOAuthStats } from '../oauth.types.js';

const MAX_REFRESH_TIMES = 1_000;
const MAX_REFUSALS = 1_000;

export type OAuthEvent = Exclude<keyof SimOAuthCounters, 'refreshTimes'>;

function emptyCounters(): SimOAuthCounters {
  return {
    consents: 0,
    deniedConsents: 0,
    authorizationCodeGrants: 0,
    refreshGrants: 0,
    refreshTimes: [],
    failedGrants: 0,
    revocations: 0,
    expiredTokenRequests: 0,
    revokedTokenRequests: 0,
    replacedTokenRequests: 0,
  };
}

/** OAuth counters in total, per user and per client; events with no known user or client count only in the total. */
export class OAuthStats {
  private total = emptyCounters();
  private byUser = new Map<number, SimOAuthCounters>();
  private byClient = new Map<string, SimOAuthCounters>();
  private refusals: SimOAuthRefusal[] = [];

  count(event: OAuthEvent, userId: number | null, clientId: string | null, at = Date.now()): void {
    const targets = [this.total];
    if (userId !== null) targets.push(slot(this.byUser, userId));
    if (clientId !== null) targets.push(slot(this.byClient, clientId));
    for (const counters of targets) {
      counters[event]++;
      if (event === 'refreshGrants') {
        counters.refreshTimes.push(at);
        if (counters.refreshTimes.length > MAX_REFRESH_TIMES) counters.refreshTimes.shift();
      }
    }
  }

  /** A request refused for a dead access token: counted by reason, and logged with its path. */
  refusal(refusal: SimOAuthRefusal): void {
    this.count(`${refusal.reason}TokenRequests`, refusal.userId, refusal.clientId, refusal.at);
    this.refusals.push(refusal);
    if (this.refusals.length > MAX_REFUSALS) this.refusals.shift();
  }

  snapshot(): SimOAuthStats {
    const copy = (c: SimOAuthCounters): SimOAuthCounters => ({ ...c, refreshTimes: [...c.refreshTimes] });
    return {
      ...copy(this.total),
      refusals: this.refusals.map((r) => ({ ...r })),
      byUser: Object.fromEntries([...this.byUser].map(([k, v]) => [String(k), copy(v)])),
      byClient: Object.fromEntries([...this.byClient].map(([k, v]) => [k, copy(v)])),
    };
  }

  reset(): void {
    this.total = emptyCounters();
    this.byUser = new Map();
    this.byClient = new Map();
    this.refusals = [];
  }
}

function slot<K>(map: Map<K, SimOAuthCounters>, key: K): SimOAuthCounters {
  let counters = map.get(key);
  if (!counters) {
    counters = emptyCounters();
    map.set(key, counters);
  }
  return counters;
}
