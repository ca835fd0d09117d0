import { buildAssignment, buildGroup } from './assignment.factory.js';
import { DAY_MS } from './clock.js';
import type { CourseContent, CourseRecord, Json, TermRecord, UserRecord } from './model.js';
import { createPrng, deriveSeed } from './prng.js';
import { buildSubmission } from './submission.factory.js';

export interface ContentInput {
  course: CourseRecord;
  user: UserRecord;
  term: TermRecord | undefined;
  epochMs: number;
}

/**
 * A course's groups, assignments and the owner's submissions, from the course's own seed only, so
 * any course can be (re)built alone and identically: this is what lets `heavy` stay lazy.
 */
export function generateContent({ course, user, term, epochMs }: ContentInput): CourseContent {
  const { plan } = course;
  const prng = createPrng(deriveSeed(plan.seed, 'content'));
  const weighted = course.json['apply_assignment_group_weights'] === true;
  const groups = Array.from({ length: plan.groups }, (_, i) => buildGroup(prng, plan.groupIdBase + i, i + 1, weighted, plan.groups));
  const createdMs = Date.parse(String(course.json['created_at']));
  const termStart = term?.start_at ? Date.parse(term.start_at) : epochMs - 120 * DAY_MS;
  const termEnd = term?.end_at ? Date.parse(term.end_at) : epochMs + 60 * DAY_MS;
  const positions = new Map<number, number>();
  const assignments: Json[] = [];
  const submissions = new Map<number, Json>();
  const graderId = 500_000 + (plan.seed % 100_000);
  for (let i = 0; i < plan.assignments; i++) {
    const group = groups[prng.int(0, groups.length - 1)];
    if (!group) break;
    const groupId = group['id'] as number;
    const position = (positions.get(groupId) ?? 0) + 1;
    positions.set(groupId, position);
    const dueFrom = termStart + 7 * DAY_MS;
    const assignment = buildAssignment(prng, {
      id: plan.assignmentIdBase + i,
      courseId: course.id,
      groupId,
      position,
      number: i + 1,
      createdFrom: createdMs,
      createdTo: Math.min(epochMs - DAY_MS, Math.max(createdMs, dueFrom - 3 * DAY_MS)),
      dueFrom,
      dueTo: Math.max(dueFrom, termEnd - DAY_MS),
      epochMs,
      forTeacher: user.role === 'teacher',
    });
    assignments.push(assignment);
    // A few assignments have no submission row at all (the key is then missing in assignment_groups).
    const hasSubmission = user.role === 'student' && assignment['published'] === true && !prng.chance(0.04);
    if (hasSubmission) {
      submissions.set(assignment['id'] as number, buildSubmission(prng, assignment, { id: plan.submissionIdBase + i, userId: user.id, graderId, epochMs }));
    }
  }
  for (const group of groups) {
    const rules = group['rules'] as Json;
    const first = assignments.find((a) => a['assignment_group_id'] === group['id']);
    if (Array.isArray(rules['never_drop']) && first) rules['never_drop'] = [first['id']];
  }
  return { groups, assignments, submissions };
}
