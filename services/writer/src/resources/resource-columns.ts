import type { Resource } from '@canvas-sync/shared';

type Raw = Record<string, unknown>;
type SqlType = 'text' | 'bigint' | 'integer' | 'double precision' | 'boolean' | 'timestamptz';

/** A typed column beside `raw`: its SQL type and how to read it from a Canvas object. */
export interface Column {
  name: string;
  type: SqlType;
  from(raw: Raw, courseId: number | null): unknown;
}

const text = (key: string) => (raw: Raw) => (typeof raw[key] === 'string' ? raw[key] : null);
const id = (key: string) => (raw: Raw) => (Number.isSafeInteger(raw[key]) ? raw[key] : null);
const num = (key: string) => (raw: Raw) => (typeof raw[key] === 'number' && Number.isFinite(raw[key]) ? raw[key] : null);
const bool = (key: string) => (raw: Raw) => (typeof raw[key] === 'boolean' ? raw[key] : null);
/** Canvas dates are ISO-8601 with any offset; anything unparseable is stored as null (raw keeps it). */
const date = (key: string) => (raw: Raw) => {
  const v = raw[key];
  return typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? v : null;
};
const course = (_raw: Raw, courseId: number | null) => courseId;

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
      { name: 'term_id', type: 'bigint', from: (raw) => id('enrollment_term_id')(raw) ?? id('id')((raw.term as Raw | undefined) ?? {}) },
      { name: 'account_id', type: 'bigint', from: id('account_id') },
      { name: 'start_at', type: 'timestamptz', from: date('start_at') },
      { name: 'end_at', type: 'timestamptz', from: date('end_at') },
      { name: 'access_restricted', type: 'boolean', from: (raw) => raw.access_restricted_by_date === true },
    ],
  },
  assignment_groups: {
    table: 'canvas.assignment_groups',
    columns: [
      { name: 'course_id', type: 'bigint', from: course },
      { name: 'name', type: 'text', from: text('name') },
      { name: 'position', type: 'integer', from: (raw) => (Number.isInteger(raw.position) ? raw.position : null) },
      { name: 'group_weight', type: 'double precision', from: num('group_weight') },
    ],
  },
  assignments: {
    table: 'canvas.assignments',
    columns: [
      { name: 'course_id', type: 'bigint', from: (raw, courseId) => courseId ?? id('course_id')(raw) },
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
      { name: 'course_id', type: 'bigint', from: course },
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
