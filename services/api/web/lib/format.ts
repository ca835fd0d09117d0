import type { Counts, Scope } from './types.js';

/** "1 h 4 min", "3 min 5 s", "12 s". */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** ETA text: honest about having no basis yet. */
export function eta(seconds: number | null, running: boolean): string {
  if (!running) return '–';
  if (seconds === null) return 'estimating…';
  if (seconds < 5) return 'a few seconds';
  return `about ${duration(seconds)}`;
}

const PARTS: Array<[keyof Counts, string, string]> = [
  ['courses', 'course', 'courses'],
  ['assignments', 'assignment', 'assignments'],
  ['assignment_groups', 'category', 'categories'],
  ['submissions', 'submission', 'submissions'],
];

/** "12 courses, 156 assignments, 24 categories" (rows kept, not deleted ones). */
export function summary(counts: Counts): string {
  const parts: string[] = [];
  for (const [key, one, many] of PARTS) {
    const c = counts[key];
    if (!c) continue;
    const n = c.created + c.updated + c.unchanged;
    parts.push(`${n} ${n === 1 ? one : many}`);
  }
  return parts.join(', ') || 'nothing to sync';
}

/** Dependency order, as the sync fills them. */
export const RESOURCE_ORDER: Array<keyof Counts> = ['terms', 'courses', 'assignment_groups', 'assignments', 'submissions'];

export const RESOURCE_LABELS: Record<string, string> = {
  terms: 'Terms',
  courses: 'Courses',
  assignment_groups: 'Categories',
  assignments: 'Assignments',
  submissions: 'Submissions',
};

export const PHASE_LABELS: Record<string, string> = {
  queued: 'Waiting to start',
  listing_courses: 'Listing courses',
  fetching: 'Fetching from Canvas',
  waiting_for_canvas: 'Waiting for Canvas (it is slow or limiting us)',
  finalizing: 'Finishing up',
  done: 'Done',
};

export function scopeText(scope: Scope, names: { term(id: number): string; course(id: number): string }): string {
  if (scope.type === 'term') return `Term: ${names.term(scope.termId)}`;
  if (scope.type === 'course') return `Course: ${names.course(scope.courseId)}`;
  return 'Everything';
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** Warnings about values kept only in `raw` (the writer's); every other warning is a skipped course. */
const DATA_WARNINGS = new Set(['canvas_value_unfit', 'canvas_row_without_id']);

/** "2 courses skipped, 1 data warning" — or '' when there are none. */
export function warningsText(warnings: Array<{ code: string }> | undefined): string {
  const list = warnings ?? [];
  const data = list.filter((w) => DATA_WARNINGS.has(w.code)).length;
  const skipped = list.length - data;
  return [skipped > 0 ? `${skipped} course${skipped === 1 ? '' : 's'} skipped` : '', data > 0 ? `${data} data warning${data === 1 ? '' : 's'}` : ''].filter(Boolean).join(', ');
}
