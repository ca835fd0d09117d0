import type { SyncState } from '../syncs/sync-state.repository.js';

/** Whether a course (as listed by `/courses?include[]=term`) belongs to the sync's scope. */
export function inScope(course: Record<string, unknown> & { id: number }, scope: SyncState['scope']): boolean {
  switch (scope.type) {
    case 'all':
      return true;
    case 'course':
      return course.id === scope.courseId;
    case 'term': {
      const termId = course.enrollment_term_id ?? (course.term as { id?: unknown } | undefined)?.id;
      return termId === scope.termId;
    }
  }
}

/** Cuts course ids into units of `size` (5–50, the user's chunk size). */
export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
