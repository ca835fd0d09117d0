import type { StreamResult } from './answer.js';
import type { SimBucketSample, SimHostileStats, SimStats, SimTokenStats } from '../stats.types.js';

const MAX_SAMPLES = 5_000;

type TokenCounters = Omit<SimTokenStats, 'bucketLevel'>;

/** Counters for everything a benchmark or test wants to assert on; bounded in memory. */
export class StatsRecorder {
  private since = new Date();
  private requests = 0;
  private throttledCount = 0;
  private peak = 0;
  private inFlight = 0;
  private byEndpoint: Record<string, number> = {};
  private byStatus: Record<string, number> = {};
  private byToken = new Map<string, TokenCounters>();
  private samples: SimBucketSample[] = [];
  private faults: Record<string, number> = {};
  private hostile: SimHostileStats = emptyHostile();

  request(endpoint: string, key: string, userId: number | null): void {
    this.requests++;
    this.byEndpoint[endpoint] = (this.byEndpoint[endpoint] ?? 0) + 1;
    this.token(key, userId).requests++;
  }

  status(status: number): void {
    this.byStatus[String(status)] = (this.byStatus[String(status)] ?? 0) + 1;
  }

  throttled(key: string, userId: number | null): void {
    this.throttledCount++;
    this.token(key, userId).throttled++;
  }

  fault(name: string): void {
    this.faults[name] = (this.faults[name] ?? 0) + 1;
  }

  hostileAnswer(kind: string): void {
    this.hostile.answers[kind] = (this.hostile.answers[kind] ?? 0) + 1;
  }

  streamStarted(): void {
    this.hostile.streamsOpen++;
  }

  streamEnded(result: StreamResult): void {
    this.hostile.streamsOpen--;
    this.hostile.bytesStreamed += result.bytes;
    if (result.completed) this.hostile.streamsCompleted++;
    else this.hostile.streamsAborted++;
  }

  enter(key: string, userId: number | null): void {
    const token = this.token(key, userId);
    token.inFlight++;
    token.peakInFlight = Math.max(token.peakInFlight, token.inFlight);
    this.inFlight++;
    this.peak = Math.max(this.peak, this.inFlight);
  }

  leave(key: string, userId: number | null): void {
    this.token(key, userId).inFlight--;
    this.inFlight--;
  }

  sample(userId: number | null, level: number): void {
    this.samples.push({ at: Date.now(), userId, level: Math.round(level * 1000) / 1000 });
    if (this.samples.length > MAX_SAMPLES) this.samples.splice(0, this.samples.length - MAX_SAMPLES);
  }

  snapshot(levelOf: (key: string) => number, content: SimStats['content'], oauth: SimStats['oauth']): SimStats {
    const byToken: Record<string, SimTokenStats> = {};
    for (const [key, counters] of this.byToken) byToken[key] = { ...counters, bucketLevel: levelOf(key) };
    return {
      since: this.since.toISOString(),
      requests: this.requests,
      throttled: this.throttledCount,
      byEndpoint: { ...this.byEndpoint },
      byStatus: { ...this.byStatus },
      peakInFlight: this.peak,
      byToken,
      bucketSamples: [...this.samples],
      faults: { ...this.faults },
      content,
      oauth,
      hostile: { ...this.hostile, answers: { ...this.hostile.answers } },
    };
  }

  /** Zeroes the counters; requests still in flight stay counted as in flight. */
  reset(): void {
    this.since = new Date();
    this.requests = 0;
    this.throttledCount = 0;
    this.peak = this.inFlight;
    this.byEndpoint = {};
    this.byStatus = {};
    this.samples = [];
    this.faults = {};
    this.hostile = { ...emptyHostile(), streamsOpen: this.hostile.streamsOpen };
    for (const [key, counters] of this.byToken) {
      this.byToken.set(key, { userId: counters.userId, requests: 0, throttled: 0, inFlight: counters.inFlight, peakInFlight: counters.inFlight });
    }
  }

  private token(key: string, userId: number | null): TokenCounters {
    let counters = this.byToken.get(key);
    if (!counters) {
      counters = { userId, requests: 0, throttled: 0, inFlight: 0, peakInFlight: 0 };
      this.byToken.set(key, counters);
    }
    return counters;
  }
}

function emptyHostile(): SimHostileStats {
  return { answers: {}, streamsOpen: 0, streamsCompleted: 0, streamsAborted: 0, bytesStreamed: 0 };
}
