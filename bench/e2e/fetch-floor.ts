import { DEFAULT_LIMITS } from '../../services/fetcher/src/budget/budget-policy.js';
import { createTokenBudget, memoryBudgetStore } from '../../services/fetcher/src/budget/token-budget.js';
import { rateHeaders } from '../../services/fetcher/src/canvas/rate-headers.js';
import { canvasGet, isThrottle, nextLink, type Row } from './canvas-http.js';

/** The rows the floor read, as Canvas answered them (kept by reference: no work on the floor's clock). */
export interface FloorRows {
  terms: Row[];
  courses: Row[];
  /** Each course's assignment groups, with their assignments and the user's submissions embedded. */
  groups: Array<{ courseId: number; groups: Row[] }>;
}

export interface FloorResult {
  seconds: number;
  requests: number;
  throttled: number;
  courses: number;
  /** Distinct terms of the listed courses (`include[]=term`). */
  terms: number;
  assignmentGroups: number;
  assignments: number;
  submissions: number;
  /** Sum of `X-Request-Cost` over the run: what the leaky bucket was charged. */
  cost: number;
  /** With `keepRows`: what it read, for the store floor (`store-floor.ts`). */
  rows?: FloorRows;
  /** The course whose walk ended last: the floor's time ends with its answer (`tail-floor.ts`). */
  lastCourseId?: number;
}

/**
 * The fetch floor: only the Canvas calls a sync needs — the course list, then one
 * `assignment_groups?include[]=assignments&include[]=submission` walk per readable course — with
 * `per_page=100`, as many requests in flight as the fetcher's own token budget allows (the same
 * policy, steered by `X-Rate-Limit-Remaining` up to its ceiling of 11, no fixed cap below what the
 * bucket allows; in memory instead of NATS KV), rows parsed and counted, nothing published or stored.
 */
export async function runFetchFloor(options: { simUrl: string; token: string; maxInFlight?: number; keepRows?: boolean }): Promise<FloorResult> {
  const maxInFlight = options.maxInFlight ?? DEFAULT_LIMITS.maxInFlight;
  const budget = createTokenBudget(memoryBudgetStore(), { ...DEFAULT_LIMITS, maxInFlight });
  const result: FloorResult = { seconds: 0, requests: 0, throttled: 0, courses: 0, terms: 0, assignmentGroups: 0, assignments: 0, submissions: 0, cost: 0 };

  const page = async (url: string): Promise<{ rows: Row[]; next: string | null }> => {
    for (;;) {
      const lease = await budget.acquire(options.token);
      let throttled = false;
      let remaining: number | undefined;
      let cost: number | undefined;
      try {
        result.requests += 1;
        const res = await canvasGet(url, options.token);
        const body = await res.text();
        ({ remaining, cost } = rateHeaders(res.headers));
        if (isThrottle(res.status, body)) {
          throttled = true;
          result.throttled += 1;
          continue;
        }
        if (res.status !== 200) throw new Error(`floor: ${res.status} for ${url}`);
        result.cost += cost ?? 0;
        return { rows: JSON.parse(body) as Row[], next: nextLink(res.headers.get('link')) };
      } finally {
        await budget.release(lease, { throttled, remaining, cost });
      }
    }
  };
  const walk = async (path: string, onRow: (row: Row) => void) => {
    let url: string | null = `${options.simUrl}${path}`;
    while (url) {
      const { rows, next } = await page(url);
      rows.forEach(onRow);
      url = next;
    }
  };

  const start = performance.now();
  const courseIds: number[] = [];
  const terms = new Map<number, Row>();
  const kept: FloorRows | undefined = options.keepRows ? { terms: [], courses: [], groups: [] } : undefined;
  await walk('/api/v1/courses?include[]=term&per_page=100', (course) => {
    result.courses += 1;
    const term = course.term as Row | undefined;
    if (term?.id !== undefined) terms.set(term.id, term);
    kept?.courses.push(course);
    if (course.access_restricted_by_date !== true) courseIds.push(course.id);
  });
  let next = 0;
  // More workers than leases, so a lease is never idle while a worker parses its page.
  const worker = async () => {
    while (next < courseIds.length) {
      const id = courseIds[next++]!;
      const groups: Row[] = [];
      kept?.groups.push({ courseId: id, groups });
      await walk(`/api/v1/courses/${id}/assignment_groups?include[]=assignments&include[]=submission&per_page=100`, (group) => {
        result.assignmentGroups += 1;
        for (const a of (group.assignments as Row[] | undefined) ?? []) {
          result.assignments += 1;
          if (a.submission) result.submissions += 1;
        }
        if (kept) groups.push(group);
      });
      result.lastCourseId = id;
    }
  };
  await Promise.all(Array.from({ length: maxInFlight * 2 }, worker));
  result.terms = terms.size;
  if (kept) result.rows = { ...kept, terms: [...terms.values()] };
  result.seconds = (performance.now() - start) / 1000;
  return result;
}
