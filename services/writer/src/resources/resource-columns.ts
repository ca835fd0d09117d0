import type { Resource } from '@canvas-sync/shared';
import { fitBool, fitDouble, fitId, fitInt4, fitText, fitTimestamp, type Fit } from './fit.js';

type Raw = Record<string, unknown>;
type SqlType = 'text' | 'bigint' | 'integer' | 'double precision' | 'boolean' | 'timestamptz';

/**
 * A typed column beside `raw`: its SQL type and how to read it from a Canvas object — the value,
 * `null` (Canvas sent none) or `UNFIT` (Canvas sent one the column cannot hold).
 */
export interface Column {
  name: string;
  type: SqlType;
  from(raw: Raw, courseId: number | null): Fit<unknown>;
}

const text = (key: string) => (raw: Raw) => fitText(raw[key]);
const id = (key: string) => (raw: Raw) => fitId(raw[key]);
const num = (key: string) => (raw: Raw) => fitDouble(raw[key]);
const bool = (key: string) => (raw: Raw) => fitBool(raw[key]);
/** Canvas dates are ISO-8601 with any offset (CANVAS.md), parsed strictly: Postgres must take them. */
const date = (key: string) => (raw: Raw) => fitTimestamp(raw[key]);
/** The unit's course (a planned course id) where there is one, else what the row says. */
const course = (key: string | null) => (raw: Raw, courseId: number | null) => (courseId !== null ? fitId(courseId) : key ? fitId(raw[key]) : null);
/** `enrollment_term_id`, else the included `term.id`. */
const term = (raw: Raw) => {
  const direct = fitId(raw.enrollment_term_id);
  if (direct !== null) return direct;
  const included = raw.term;
  return included !== null && typeof included === 'object' && !Array.isArray(included) ? fitId((included as Raw).id) : null;
};

/** The table and typed columns of each resource (the table contract of DESIGN.md). */
export const RESOURCE_TABLES: Record<Resource, { table: string; columns: Column[] }> = {
  terms: {
    table: 'canvas.terms',
    columns: [
      { name: 'name', type: 'text', from: text('name') },
      { name: 'start_at', type: 'timestamptz', from: date('start_at') },
      { name: 'end_at', type: 'timestamptz', from: date('end_at') },
      { name: 'workflow_state', type: 'text', from: text('workflow_state') },
    ],
  },
  courses: {
    table: 'canvas.courses',
    columns: [
      { name: 'name', type: 'text', from: text('name') },
      { name: 'course_code', type: 'text', from: text('course_code') },
      { name: 'workflow_state', type: 'text', from: text('workflow_state') },
      { name: 'term_id', type: 'bigint', from: term },
      { name: 'account_id', type: 'bigint', from: id('account_id') },
      { name: 'start_at', type: 'timestamptz', from: date('start_at') },
      { name: 'end_at', type: 'timestamptz', from: date('end_at') },
      { name: 'access_restricted', type: 'boolean', from: (raw) => raw.access_restricted_by_date === true },
    ],
  },
  assignment_groups: {
    table: 'canvas.assignment_groups',
    columns: [
      { name: 'course_id', type: 'bigint', from: course(null) },
      { name: 'name', type: 'text', from: text('name') },
      { name: 'position', type: 'integer', from: (raw) => fitInt4(raw.position) },
      { name: 'group_weight', type: 'double precision', from: num('group_weight') },
    ],
  },
  assignments: {
    table: 'canvas.assignments',
    columns: [
      { name: 'course_id', type: 'bigint', from: course('course_id') },
      { name: 'assignment_group_id', type: 'bigint', from: id('assignment_group_id') },
      { name: 'name', type: 'text', from: text('name') },
      { name: 'due_at', type: 'timestamptz', from: date('due_at') },
      { name: 'lock_at', type: 'timestamptz', from: date('lock_at') },
      { name: 'unlock_at', type: 'timestamptz', from: date('unlock_at') },
      { name: 'points_possible', type: 'double precision', from: num('points_possible') },
      { name: 'grading_type', type: 'text', from: text('grading_type') },
      { name: 'published', type: 'boolean', from: bool('published') },
      { name: 'canvas_updated_at', type: 'timestamptz', from: date('updated_at') },
    ],
  },
  submissions: {
    table: 'canvas.submissions',
    columns: [
      { name: 'course_id', type: 'bigint', from: course(null) },
      { name: 'assignment_id', type: 'bigint', from: id('assignment_id') },
      { name: 'score', type: 'double precision', from: num('score') },
      { name: 'grade', type: 'text', from: text('grade') },
      { name: 'excused', type: 'boolean', from: bool('excused') },
      { name: 'late', type: 'boolean', from: bool('late') },
      { name: 'missing', type: 'boolean', from: bool('missing') },
      { name: 'workflow_state', type: 'text', from: text('workflow_state') },
      { name: 'submitted_at', type: 'timestamptz', from: date('submitted_at') },
      { name: 'graded_at', type: 'timestamptz', from: date('graded_at') },
      { name: 'posted_at', type: 'timestamptz', from: date('posted_at') },
      // Canvas leaves score/grade out while a grade is not posted: "hidden" is not "ungraded" (CANVAS.md).
      { name: 'grade_hidden', type: 'boolean', from: (raw) => !('score' in raw) && !('grade' in raw) },
    ],
  },
};
