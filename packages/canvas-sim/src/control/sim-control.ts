import type { GroundTruth, SimSummary, SimUser } from '../api.types.js';
import { hostileOf, type ResolvedOptions } from '../config/options.js';
import { SimInputError } from '../sim-errors.js';
import { courseTruth, groundTruth, requireUser, type CourseTruth } from '../data/ground-truth.js';
import type { World } from '../data/world.js';
import type { SimFaults } from '../faults.types.js';
import type { FaultBook } from '../http/faults.js';
import type { StatsRecorder } from '../http/stats.js';
import type { Throttle } from '../http/throttle.js';
import { applyMutation } from '../mutations/mutate.js';
import type { SimMutation } from '../mutation.types.js';
import type { SimStats } from '../stats.types.js';
import type { OAuthStore } from '../oauth/oauth.store.js';
import type { SimOAuthStats } from '../oauth.types.js';

/** Row counts of a user's ground truth: what a complete sync holds, without shipping the rows. */
export interface SimCounts {
  courses: number;
  terms: number;
  assignmentGroups: number;
  assignments: number;
  submissions: number;
}

/** The control surface, shared by the programmatic API and `/__sim` over HTTP. */
export class SimControl {
  constructor(
    readonly world: World,
    readonly options: ResolvedOptions,
    private readonly faults: FaultBook,
    private readonly stats: StatsRecorder,
    private readonly throttle: Throttle,
    private readonly oauth: OAuthStore,
  ) {}

  users(): SimUser[] {
    return this.world.users.map((u) => ({
      id: u.id,
      name: u.name,
      token: this.world.activeToken(u.id),
      role: u.role,
      profile: u.profile,
      accountAdmin: u.accountAdmin,
      hostile: u.hostile,
    }));
  }

  groundTruth(userId: number): GroundTruth {
    return groundTruth(this.world, userId);
  }

  /**
   * The sizes of {@link groundTruth}. It builds the ground truth as that does, so every course's
   * content is generated (and cached, up to `contentCacheSize`) before it answers: a caller warms
   * the simulator with it. A `heavy` user's ~200,000 rows are counted here instead of sent as JSON.
   */
  counts(userId: number): SimCounts {
    const truth = groundTruth(this.world, userId);
    return { courses: truth.courses.length, terms: truth.terms.length, assignmentGroups: truth.assignmentGroups.length, assignments: truth.assignments.length, submissions: truth.submissions.length };
  }

  groundTruthCourse(userId: number, courseId: number): CourseTruth | null {
    const user = requireUser(this.world, userId);
    const course = this.world.course(courseId);
    if (!course || course.userId !== user.id || course.deleted || course.restricted) return null;
    return courseTruth(this.world, user, course);
  }

  /** Counts from the course plans (or loaded content), so `heavy` needs no generation to answer. */
  summary(userId: number): SimSummary {
    requireUser(this.world, userId);
    const summary: SimSummary = { courses: 0, restrictedCourses: 0, assignmentGroups: 0, assignments: 0 };
    for (const course of this.world.coursesOf(userId)) {
      if (course.deleted) continue;
      if (course.restricted) {
        summary.restrictedCourses++;
        continue;
      }
      summary.courses++;
      const loaded = this.world.loadedContent(course);
      summary.assignmentGroups += loaded ? loaded.groups.length : course.plan.groups;
      summary.assignments += loaded ? loaded.assignments.length : course.plan.assignments;
    }
    return summary;
  }

  mutate(mutation: SimMutation): unknown {
    return applyMutation(this.world, mutation);
  }

  setFaults(faults: SimFaults): void {
    this.faults.set(faults, Date.now());
  }

  clearFaults(): void {
    this.faults.clear();
  }

  currentFaults(): SimFaults {
    return this.faults.current();
  }

  statsSnapshot(): SimStats {
    return this.stats.snapshot((key) => this.throttle.level(key), this.world.cacheSizes(), this.oauth.stats.snapshot());
  }

  resetStats(): void {
    this.stats.reset();
    this.oauth.stats.reset();
  }

  revokeToken(userId: number): void {
    this.world.endTokens(userId, 'revoked');
  }

  expireToken(userId: number): void {
    this.world.endTokens(userId, 'expired');
  }

  issueToken(userId: number): string {
    return this.world.issueToken(userId);
  }

  setHostile(userId: number, kind: unknown): void {
    const user = requireUser(this.world, userId);
    try {
      user.hostile = hostileOf(kind);
    } catch (error) {
      throw new SimInputError(error instanceof Error ? error.message.replace(/^canvas-sim: /, '') : String(error));
    }
  }

  oauthSessionUser(): number {
    return this.oauth.sessionUser().id;
  }

  setOAuthSessionUser(userId: number): void {
    this.oauth.setSessionUser(userId);
  }

  revokeOAuthGrants(userId: number, clientId?: string): number {
    return this.oauth.revokeGrants(userId, clientId);
  }

  expireOAuthTokens(userId: number, clientId?: string): number {
    return this.oauth.expireAccessTokens(userId, clientId);
  }

  oauthStats(): SimOAuthStats {
    return this.oauth.stats.snapshot();
  }
}
