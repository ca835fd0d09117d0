import type { SimFaults } from './faults.types.js';
import type { SimHostileKind, SimHostileTuning } from './hostile.types.js';
import type { SimOAuthClient, SimOAuthStats } from './oauth.types.js';
import type { SimMutation } from './mutation.types.js';
import type { SimStats } from './stats.types.js';

/** Named data sizes; see README for what each holds. */
export type SimProfile = 'student' | 'teacher' | 'heavy' | 'tiny';

export type SimRole = 'student' | 'teacher';

/** One simulated Canvas user; every user gets data of their own. */
export interface SimUserSpec {
  profile?: SimProfile;
  /** Number of real (non-stub) courses; overrides the profile. */
  courses?: number;
  /** Exact number of assignments in every course; overrides the profile's varying sizes. */
  assignmentsPerCourse?: number;
  /** Number of `access_restricted_by_date` course stubs; overrides the profile. */
  restrictedCourses?: number;
  name?: string;
  role?: SimRole;
  /** An account admin may list `/accounts/:id/terms`; nobody else may. */
  accountAdmin?: boolean;
  /** This user's list answers are hostile, of this one kind (README "Hostile users"); others are unaffected. */
  hostile?: SimHostileKind | null;
}

export interface SimLatency {
  baseMs: number;
  perItemMs: number;
  jitterMs?: number;
  /**
   * Latency of some endpoints instead of the above, by route path (e.g.
   * `/api/v1/courses/:id/assignment_groups`): on real Canvas a course's groups with every
   * assignment embedded take ~0.3–1.5 s while `/users/self` takes tens of ms. Jitter is seeded.
   */
  endpoints?: Record<string, EndpointLatency>;
  /**
   * What the jitter is drawn for: `request` (default), a new draw per request; `path`, one draw
   * per URL path and page, the same for every request of that page whoever asks (a course that is
   * slow stays slow). Two clients walking the same courses then meet the same latencies, so
   * timing one against the other measures the clients, not their luck (the bench's pipeline
   * against its floor); `seed` still decides the draws.
   */
  jitterBy?: 'request' | 'path';
}

/** Latency of one endpoint: base + per row served + seeded jitter in [0, jitterMs). */
export interface EndpointLatency {
  baseMs: number;
  perItemMs: number;
  jitterMs?: number;
}

export interface SimThrottle {
  enabled: boolean;
  highWaterMark: number;
  maximum: number;
  leakPerSecond: number;
  upfrontCost: number;
  status: 403 | 429;
  costPerItem: number;
  baseCost: number;
}

export interface SimOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 42. */
  seed?: number;
  /** Shorthand for one user of this profile (default 'student'). */
  profile?: SimProfile;
  /** Several users, each with their own data; overrides `profile`. */
  users?: SimUserSpec[];
  /** Default base 40 ms, 0.3 ms per item, 10 ms jitter. Tests pass zeros. `REALISTIC_LATENCY` adds Canvas's slow endpoints. */
  latency?: SimLatency;
  throttle?: Partial<SimThrottle>;
  /** Omit `rel="last"` from ordinal Link headers (Canvas does when counting is expensive). */
  dropLastLink?: boolean;
  /** Send header names in lowercase (as some proxies do). */
  lowercaseHeaders?: boolean;
  /** Rows shift back by one between ordinal page fetches, so pages repeat rows. */
  shiftRows?: boolean;
  /** Log requests to stderr (pino through fastify). */
  logger?: boolean;
  /** Largest per_page honoured (Canvas setting api_max_per_page); default 100. */
  maxPerPage?: number;
  /** Courses whose generated content is kept in memory at once (mutated courses are kept besides). Default 64. */
  contentCacheSize?: number;
  /** The instant generated data is "now" (ISO); fixed so the data never depends on the wall clock. */
  epoch?: string;
  /** Developer keys accepted by `/login/oauth2/*`; none = every client is unknown. */
  oauthClients?: SimOAuthClient[];
  /** `expires_in` of OAuth access tokens; default 3600. */
  accessTokenTtlSeconds?: number;
  /** Lifetime of an authorization code; default 600 (Canvas: 10 minutes). */
  authorizationCodeTtlSeconds?: number;
  /** `GET /login/oauth2/auth` redirects with a code at once, as the signed-in user, with no consent page. */
  oauthAutoApprove?: boolean;
  /** `canvas_region` in token answers; default `us-east-1`. */
  canvasRegion?: string;
  /** Sizes of hostile answers (defaults in README "Hostile users"). */
  hostileTuning?: SimHostileTuning;
}

export interface SimUser {
  id: number;
  name: string;
  token: string;
  role: SimRole;
  profile: SimProfile;
  accountAdmin: boolean;
  hostile: SimHostileKind | null;
}

/** Raw objects exactly as the API serves them to one user (ids are numbers). */
export interface GroundTruth {
  /** As `GET /courses?include[]=term` lists them (default filters), stubs included. */
  courses: object[];
  /** Distinct `course.term` objects of those courses, by id. */
  terms: object[];
  /** As `/assignment_groups` returns them, without the `assignments` key. */
  assignmentGroups: object[];
  /** As `/courses/:id/assignments` returns them (no `submission` key). */
  assignments: object[];
  /** The user's own submissions, exactly as attached under `submission` by `include[]=submission`. */
  submissions: object[];
}

/** Sizes known without generating course content (cheap even for `heavy`). */
export interface SimSummary {
  courses: number;
  restrictedCourses: number;
  assignmentGroups: number;
  assignments: number;
}

export interface CanvasSim {
  /** e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  port: number;
  users: SimUser[];
  groundTruth(userId: number): GroundTruth;
  /** Ground truth of one course (cheap on big accounts); null for stubs and unknown courses. */
  groundTruthCourse(userId: number, courseId: number): Omit<GroundTruth, 'courses' | 'terms'> | null;
  summary(userId: number): SimSummary;
  mutate(op: SimMutation): unknown;
  setFaults(faults: SimFaults): void;
  clearFaults(): void;
  stats(): SimStats;
  resetStats(): void;
  revokeToken(userId: number): void;
  /** Marks the user's current tokens expired: later requests get 401 `Expired access token.` */
  expireToken(userId: number): void;
  issueToken(userId: number): string;
  /** The user "signed in to Canvas" in the simulated browser (who the consent page grants as); default the first user. */
  oauthSessionUser(): number;
  setOAuthSessionUser(userId: number): void;
  /** Ends the user's OAuth grants (of one client, or all): refresh → `invalid_grant`, access tokens → 401. Returns how many. */
  revokeOAuthGrants(userId: number, clientId?: string): number;
  /** The user's current OAuth access tokens expire now; refresh tokens keep working. Returns how many. */
  expireOAuthTokens(userId: number, clientId?: string): number;
  /** Makes the user's list answers hostile of one kind, or normal again with null. */
  setHostile(userId: number, kind: SimHostileKind | null): void;
  /** The OAuth counters (also `stats().oauth`); zeroed by `resetStats()`. */
  oauthStats(): SimOAuthStats;
  close(): Promise<void>;
}
