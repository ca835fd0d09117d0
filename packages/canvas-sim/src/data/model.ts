import type { ResolvedUserSpec } from '../config/options.js';
import type { SimProfile, SimRole } from '../api.types.js';
import type { SimHostileKind } from '../hostile.types.js';

/** A JSON object as Canvas serves it; key order is kept, so equal data is byte-identical. */
export type Json = Record<string, unknown>;

export type EnrollmentState = 'active' | 'invited' | 'completed';

export interface TermRecord {
  id: number;
  name: string;
  start_at: string | null;
  end_at: string | null;
  created_at: string;
  workflow_state: 'active';
  grading_period_group_id: null;
}

export interface TokenRecord {
  token: string;
  userId: number;
  state: 'active' | 'revoked' | 'expired';
  expiredAt: string | null;
  /** Present on OAuth access tokens; personal tokens never expire by themselves. */
  oauth?: OAuthTokenInfo;
}

export interface OAuthTokenInfo {
  clientId: string;
  grantId: number;
  expiresAtMs: number;
  /** Why it stopped working before `expiresAtMs`, if it did. */
  ended: 'revoked' | 'replaced' | 'expired' | null;
}

export interface UserRecord {
  id: number;
  index: number;
  name: string;
  sortableName: string;
  shortName: string;
  createdAt: string;
  role: SimRole;
  profile: SimProfile;
  accountAdmin: boolean;
  /** Changeable at runtime (control API); starts as the spec's. */
  hostile: SimHostileKind | null;
  spec: ResolvedUserSpec;
  /** in listing order (ascending id) */
  courseIds: number[];
}

/** What is needed to (re)generate a course's content on demand, and its reserved id ranges. */
export interface ContentPlan {
  seed: number;
  groups: number;
  assignments: number;
  groupIdBase: number;
  assignmentIdBase: number;
  submissionIdBase: number;
}

export interface CourseRecord {
  id: number;
  userId: number;
  restricted: boolean;
  deleted: boolean;
  termId: number;
  enrollmentState: EnrollmentState;
  /** Course fields as served, without `enrollments` and `term` (added per request). */
  json: Json;
  plan: ContentPlan;
}

/** A course's groups, assignments and the owner's submissions, generated lazily or pinned once mutated. */
export interface CourseContent {
  /** Group objects as served, without `assignments`. */
  groups: Json[];
  /** Assignment objects without `html_url` / `submission` (added per request). */
  assignments: Json[];
  /** assignment id → the full stored submission (hidden fields included; the serializer hides them). */
  submissions: Map<number, Json>;
}
