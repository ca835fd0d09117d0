import type { Kysely } from 'kysely';
import type { Database } from '@canvas-sync/shared';
import { eraseUserData, type EraseRefused } from './erase.repository.js';

/** Scope pickers show at most this many rows; an account with more is told it was cut. */
export const PICKER_LIMIT = 1000;

export interface TermRow {
  id: number;
  name: string | null;
  start_at: Date | null;
  end_at: Date | null;
  workflow_state: string | null;
}

export interface CourseRow {
  id: number;
  name: string | null;
  course_code: string | null;
  term_id: number | null;
  workflow_state: string | null;
  start_at: Date | null;
  end_at: Date | null;
  access_restricted: boolean;
}

/** The user's synced, not deleted terms: newest first, the Default Term (no dates) last. */
export async function listTerms(db: Kysely<Database>, userId: string, limit: number): Promise<TermRow[]> {
  return db
    .selectFrom('canvas.terms')
    .select(['id', 'name', 'start_at', 'end_at', 'workflow_state'])
    .where('user_id', '=', userId)
    .where('deleted_at', 'is', null)
    .orderBy('start_at', (ob) => ob.desc().nullsLast())
    .orderBy('name')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** The user's synced, not deleted courses, optionally of one term, by name. */
export async function listCourses(db: Kysely<Database>, userId: string, limit: number, termId?: number): Promise<CourseRow[]> {
  let query = db
    .selectFrom('canvas.courses')
    .select(['id', 'name', 'course_code', 'term_id', 'workflow_state', 'start_at', 'end_at', 'access_restricted'])
    .where('user_id', '=', userId)
    .where('deleted_at', 'is', null);
  if (termId !== undefined) query = query.where('term_id', '=', termId);
  return query.orderBy('name').orderBy('id').limit(limit).execute();
}

/** The port handlers use. */
export interface CanvasDataStore {
  terms(userId: string, limit: number): Promise<TermRow[]>;
  courses(userId: string, limit: number, termId?: number): Promise<CourseRow[]>;
  /** Erases the user's synced rows, checkpoints and history (erase.repository.ts). */
  erase(userId: string): Promise<EraseRefused | undefined>;
}

/** Binds the repository to `db`. */
export function canvasDataStore(db: Kysely<Database>): CanvasDataStore {
  return {
    terms: (userId, limit) => listTerms(db, userId, limit),
    courses: (userId, limit, termId) => listCourses(db, userId, limit, termId),
    erase: (userId) => eraseUserData(db, userId),
  };
}
