import type { SimProfile, SimRole } from '../api.types.js';

export interface ProfileSize {
  courses: number;
  /** Mean assignments per course; each course varies between 0.5× and 1.5× of it. */
  meanAssignments: number;
  restrictedCourses: number;
  role: SimRole;
}

/**
 * Sizes chosen to match real accounts: a student carries ~6 courses of ~50 assignments; a teacher
 * accumulates sections over years; `heavy` is an admin-sized account that makes throttling bind.
 */
export const PROFILE_SIZES: Readonly<Record<SimProfile, ProfileSize>> = {
  tiny: { courses: 2, meanAssignments: 5, restrictedCourses: 1, role: 'student' },
  student: { courses: 6, meanAssignments: 50, restrictedCourses: 1, role: 'student' },
  teacher: { courses: 25, meanAssignments: 120, restrictedCourses: 0, role: 'teacher' },
  heavy: { courses: 500, meanAssignments: 200, restrictedCourses: 10, role: 'student' },
};

export const PROFILES: readonly SimProfile[] = ['tiny', 'student', 'teacher', 'heavy'];

export function isProfile(value: unknown): value is SimProfile {
  return typeof value === 'string' && (PROFILES as readonly string[]).includes(value);
}
