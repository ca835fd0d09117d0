import { isoSeconds } from './clock.js';
import type { TermRecord } from './model.js';

/**
 * Terms live on the root account and are shared by every user. Canvas always has a "Default Term"
 * with null dates, and courses created outside the SIS calendar land there.
 */
export function generateTerms(epochMs: number, nextId: () => number): TermRecord[] {
  const year = new Date(epochMs).getUTCFullYear();
  const created = (y: number): string => isoSeconds(Date.UTC(y - 1, 5, 1, 15, 0, 0));
  const term = (name: string, start: number, end: number, createdYear: number): TermRecord => ({
    id: nextId(),
    name,
    start_at: isoSeconds(start),
    end_at: isoSeconds(end),
    created_at: created(createdYear),
    workflow_state: 'active',
    grading_period_group_id: null,
  });
  return [
    { id: nextId(), name: 'Default Term', start_at: null, end_at: null, created_at: created(year - 4), workflow_state: 'active', grading_period_group_id: null },
    term(`Fall ${year - 1}`, Date.UTC(year - 1, 7, 18, 6), Date.UTC(year - 1, 11, 20, 6), year - 1),
    term(`Spring ${year}`, Date.UTC(year, 0, 6, 7), Date.UTC(year, 4, 10, 6), year),
    term(`Summer ${year}`, Date.UTC(year, 4, 19, 6), Date.UTC(year, 7, 8, 6), year),
    term(`Fall ${year}`, Date.UTC(year, 7, 18, 6), Date.UTC(year, 11, 20, 7), year),
    term(`Spring ${year + 1}`, Date.UTC(year + 1, 0, 5, 7), Date.UTC(year + 1, 4, 9, 6), year + 1),
  ];
}
