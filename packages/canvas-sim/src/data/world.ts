import type { ResolvedOptions } from '../config/options.js';
import { DAY_MS, isoSeconds } from './clock.js';
import { ContentCache } from './content.cache.js';
import { generateContent } from './content.generator.js';
import { planCourses } from './course.generator.js';
import type { CourseContent, CourseRecord, TermRecord, TokenRecord, UserRecord } from './model.js';
import { FIRST_NAMES, LAST_NAMES } from './names.js';
import { createPrng, deriveSeed, randomString, type Prng } from './prng.js';
import { generateTerms } from './terms.generator.js';
import { unknownUser } from '../sim-errors.js';

/** First id handed out; one counter serves every kind of object, so ids are unique across the sim. */
const FIRST_ID = 1001;

/** All simulated Canvas state: users, tokens, terms, courses and (lazily) their content. */
export class World {
  readonly users: UserRecord[] = [];
  readonly terms: TermRecord[];
  readonly epochMs: number;
  /** Set once the server listens; html_url and preview_url are built from it, like Canvas's own domain. */
  baseUrl = '';
  private nextId = FIRST_ID;
  private readonly courses = new Map<number, CourseRecord>();
  private readonly tokens = new Map<string, TokenRecord>();
  /** Owners of groups/assignments created by mutations (generated ones are found by id range). */
  private readonly addedIndex = new Map<number, number>();
  private readonly cache: ContentCache;
  private readonly tokenPrng: Prng;

  constructor(options: ResolvedOptions) {
    this.epochMs = options.epochMs;
    this.cache = new ContentCache(options.contentCacheSize);
    this.tokenPrng = createPrng(deriveSeed(options.seed, 'tokens'));
    const namePrng = createPrng(deriveSeed(options.seed, 'names'));
    options.users.forEach((spec, index) => {
      const first = namePrng.pick(FIRST_NAMES);
      const last = namePrng.pick(LAST_NAMES);
      const name = spec.name ?? `${first} ${last}`;
      const parts = name.split(' ');
      this.users.push({
        id: this.take(1),
        index,
        name,
        sortableName: parts.length > 1 ? `${parts.slice(1).join(' ')}, ${parts[0]}` : name,
        shortName: name,
        createdAt: isoSeconds(this.epochMs - (400 + namePrng.int(0, 900)) * DAY_MS),
        role: spec.role,
        profile: spec.profile,
        accountAdmin: spec.accountAdmin,
        hostile: spec.hostile,
        spec,
        courseIds: [],
      });
    });
    this.terms = generateTerms(this.epochMs, () => this.take(1));
    for (const user of this.users) {
      this.issueToken(user.id);
      for (const course of planCourses(user, { seed: options.seed, epochMs: this.epochMs, terms: this.terms, take: (n) => this.take(n) })) {
        this.addCourse(course);
      }
    }
  }

  /** Reserves `count` consecutive ids and returns the first. */
  take(count: number): number {
    const first = this.nextId;
    this.nextId += count;
    return first;
  }

  user(id: number): UserRecord | undefined {
    return this.users.find((u) => u.id === id);
  }

  token(token: string): TokenRecord | undefined {
    return this.tokens.get(token);
  }

  /** The user's live personal token (OAuth access tokens are never listed as a user's token). */
  activeToken(userId: number): string {
    for (const record of this.tokens.values()) if (record.userId === userId && record.state === 'active' && !record.oauth) return record.token;
    return this.issueToken(userId);
  }

  issueToken(userId: number): string {
    if (!this.user(userId)) throw unknownUser(userId);
    const token = `7~${randomString(this.tokenPrng, 64)}`;
    this.tokens.set(token, { token, userId, state: 'active', expiredAt: null });
    return token;
  }

  /** Registers an OAuth access token (issued by the OAuth store) so the API authenticates it. */
  addToken(record: TokenRecord): void {
    this.tokens.set(record.token, record);
  }

  /** Revokes (or expires) every live token of the user. */
  endTokens(userId: number, state: 'revoked' | 'expired'): void {
    if (!this.user(userId)) throw unknownUser(userId);
    for (const record of this.tokens.values()) {
      if (record.userId !== userId || record.state !== 'active') continue;
      record.state = state;
      if (record.oauth) record.oauth.ended = state;
      if (state === 'expired') record.expiredAt = isoSeconds(Date.now() - 1000);
    }
  }

  course(id: number): CourseRecord | undefined {
    return this.courses.get(id);
  }

  coursesOf(userId: number): CourseRecord[] {
    const user = this.user(userId);
    if (!user) return [];
    return user.courseIds.map((id) => this.courses.get(id)).filter((c): c is CourseRecord => c !== undefined);
  }

  addCourse(course: CourseRecord): void {
    this.courses.set(course.id, course);
    this.user(course.userId)?.courseIds.push(course.id);
  }

  term(id: number): TermRecord | undefined {
    return this.terms.find((t) => t.id === id);
  }

  content(course: CourseRecord): CourseContent {
    return this.cache.get(course.id, () => this.generate(course));
  }

  /** Content that a mutation is about to change: kept in memory from now on. */
  contentForChange(course: CourseRecord): CourseContent {
    return this.cache.pin(course.id, () => this.generate(course));
  }

  loadedContent(course: CourseRecord): CourseContent | undefined {
    return this.cache.peek(course.id);
  }

  indexAdded(id: number, courseId: number): void {
    this.addedIndex.set(id, courseId);
  }

  /** The course holding a group or assignment id (generated or added), or undefined. */
  courseOf(kind: 'group' | 'assignment', id: number): CourseRecord | undefined {
    const added = this.addedIndex.get(id);
    if (added !== undefined) return this.courses.get(added);
    for (const course of this.courses.values()) {
      const { plan } = course;
      const [base, count] = kind === 'group' ? [plan.groupIdBase, plan.groups] : [plan.assignmentIdBase, plan.assignments];
      if (count > 0 && id >= base && id < base + count) return course;
    }
    return undefined;
  }

  cacheSizes(): { cachedCourses: number; pinnedCourses: number } {
    return this.cache.sizes();
  }

  private generate(course: CourseRecord): CourseContent {
    const user = this.user(course.userId);
    if (!user || course.restricted) return { groups: [], assignments: [], submissions: new Map() };
    return generateContent({ course, user, term: this.term(course.termId), epochMs: this.epochMs });
  }
}
