import { afterEach, describe, expect, it } from 'vitest';
import { SimInputError, type CanvasSim } from '../src/index.js';
import { firstRealCourse, get, getJson, startQuietSim, walk, type Row } from './helpers.js';

/** CANVAS.md simulator point 10: changing data between two syncs. */
describe('mutations', () => {
  let sim: CanvasSim;
  afterEach(async () => sim?.close());

  const setup = async () => {
    sim = await startQuietSim({ users: [{ profile: 'student', courses: 2, assignmentsPerCourse: 12, restrictedCourses: 0 }] });
    const user = sim.users[0]!;
    const course = firstRealCourse(sim, user.id);
    return { user, courseId: course['id'] as number };
  };

  it('edits an assignment and bumps updated_at strictly, even twice in one second', async () => {
    const { user } = await setup();
    const before = sim.groundTruth(user.id).assignments[0] as Row;
    const once = sim.mutate({ op: 'editAssignment', assignmentId: before['id'] as number, changes: { name: 'Renamed', points_possible: 42 } }) as Row;
    const twice = sim.mutate({ op: 'editAssignment', assignmentId: before['id'] as number, changes: { name: 'Renamed again' } }) as Row;
    expect(once['updated_at'] as string > (before['updated_at'] as string)).toBe(true);
    expect(twice['updated_at'] as string > (once['updated_at'] as string)).toBe(true);
    expect(twice['created_at']).toBe(before['created_at']);
    const after = (sim.groundTruth(user.id).assignments as Row[]).find((a) => a['id'] === before['id']);
    expect(after).toMatchObject({ name: 'Renamed again', points_possible: 42, updated_at: twice['updated_at'] });
  });

  it('adds an assignment (with an unsubmitted submission) and deletes one', async () => {
    const { user, courseId } = await setup();
    const before = sim.groundTruth(user.id);
    const added = sim.mutate({ op: 'addAssignment', courseId, name: 'Pop quiz', pointsPossible: 5, position: 1 }) as Row;
    const victim = before.assignments.find((a) => (a as Row)['course_id'] === courseId) as Row;
    sim.mutate({ op: 'deleteAssignment', assignmentId: victim['id'] as number });
    const after = sim.groundTruth(user.id);
    expect(after.assignments).toContainEqual(added);
    expect(after.assignments.map((a) => (a as Row)['id'])).not.toContain(victim['id']);
    expect(after.assignments).toHaveLength(before.assignments.length);
    const submission = (after.submissions as Row[]).find((s) => s['assignment_id'] === added['id']);
    expect(submission).toMatchObject({ workflow_state: 'unsubmitted', score: null });
    const { rows } = await walk(sim, `/api/v1/courses/${courseId}/assignments?per_page=100`, user.token);
    expect(rows.map((r) => r['id'])).toContain(added['id']);
  });

  it('adds, edits and deletes assignment groups (deleting a group deletes its assignments)', async () => {
    const { user, courseId } = await setup();
    const group = sim.mutate({ op: 'addAssignmentGroup', courseId, name: 'Extra credit', rules: { drop_lowest: 1 } }) as Row;
    sim.mutate({ op: 'addAssignment', courseId, groupId: group['id'] as number, name: 'Bonus' });
    sim.mutate({ op: 'editAssignmentGroup', groupId: group['id'] as number, changes: { group_weight: 10 } });
    let truth = sim.groundTruth(user.id);
    expect(truth.assignmentGroups).toContainEqual(expect.objectContaining({ id: group['id'], name: 'Extra credit', group_weight: 10, rules: { drop_lowest: 1 } }));
    sim.mutate({ op: 'deleteAssignmentGroup', groupId: group['id'] as number });
    truth = sim.groundTruth(user.id);
    expect(truth.assignmentGroups.map((g) => (g as Row)['id'])).not.toContain(group['id']);
    expect(truth.assignments.some((a) => (a as Row)['name'] === 'Bonus')).toBe(false);
  });

  it('adds, edits and deletes courses; a deleted course is gone from lists and 404s', async () => {
    const { user, courseId } = await setup();
    const added = sim.mutate({ op: 'addCourse', userId: user.id, name: 'New Course', assignments: 3 }) as Row;
    sim.mutate({ op: 'editCourse', courseId, changes: { name: 'Edited' } });
    let listed = (await walk(sim, '/api/v1/courses?include[]=term', user.token)).rows;
    expect(listed).toContainEqual(added);
    expect(listed.find((c) => c['id'] === courseId)?.['name']).toBe('Edited');
    expect(sim.groundTruth(user.id).assignments.filter((a) => (a as Row)['course_id'] === added['id'])).toHaveLength(3);
    sim.mutate({ op: 'deleteCourse', courseId });
    listed = (await walk(sim, '/api/v1/courses', user.token)).rows;
    expect(listed.map((c) => c['id'])).not.toContain(courseId);
    expect((await get(sim, `/api/v1/courses/${courseId}`, user.token)).status).toBe(404);
    expect(sim.groundTruth(user.id).assignments.some((a) => (a as Row)['course_id'] === courseId)).toBe(false);
  });

  it('filters the course list by enrollment_state and state[]', async () => {
    const { user, courseId } = await setup();
    sim.mutate({ op: 'editCourse', courseId, changes: { enrollment_state: 'completed', workflow_state: 'completed' } });
    const ids = async (query: string) => (await walk(sim, `/api/v1/courses${query}`, user.token)).rows.map((c) => c['id']);
    expect(await ids('')).not.toContain(courseId);
    expect(await ids('?enrollment_state=completed')).toEqual([courseId]);
    expect(await ids('?enrollment_state=active')).not.toContain(courseId);
    expect(await ids('?state[]=completed')).toEqual([courseId]);
    expect(await ids('?state[]=available&state[]=completed')).toContain(courseId);
  });

  it('grades a submission so graded_since finds it; excusing and clearing do not touch graded_at', async () => {
    const { user, courseId } = await setup();
    const since = new Date(Date.now() - 2000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const path = `/api/v1/courses/${courseId}/students/submissions?student_ids[]=self&graded_since=${since}`;
    expect((await walk(sim, path, user.token)).rows).toEqual([]);
    const assignment = sim.groundTruth(user.id).assignments.find((a) => (a as Row)['course_id'] === courseId && (a as Row)['grading_type'] === 'points') as Row | undefined
      ?? (sim.mutate({ op: 'addAssignment', courseId, pointsPossible: 10 }) as Row);
    const graded = sim.mutate({ op: 'gradeSubmission', assignmentId: assignment['id'] as number, score: 7 }) as Row;
    expect(graded).toMatchObject({ score: 7, entered_score: 7, workflow_state: 'graded' });
    expect((await walk(sim, path, user.token)).rows.map((r) => r['assignment_id'])).toEqual([assignment['id']]);
    const excused = sim.mutate({ op: 'gradeSubmission', assignmentId: assignment['id'] as number, excused: true }) as Row;
    expect(excused).toMatchObject({ excused: true, score: null, graded_at: graded['graded_at'] });
  });

  it('hides an unposted grade and shows it once posted', async () => {
    const { user, courseId } = await setup();
    const assignment = sim.mutate({ op: 'addAssignment', courseId, pointsPossible: 20 }) as Row;
    const hidden = sim.mutate({ op: 'gradeSubmission', assignmentId: assignment['id'] as number, score: 15, posted: false }) as Row;
    expect(hidden).not.toHaveProperty('score');
    expect(hidden).not.toHaveProperty('grade');
    expect(hidden['posted_at']).toBeNull();
    const { body } = await getJson<Row[]>(sim, `/api/v1/courses/${courseId}/assignments?include[]=submission&per_page=100`, user.token);
    expect(body.find((a) => a['id'] === assignment['id'])?.['submission']).toEqual(hidden);
    const shown = sim.mutate({ op: 'postGrade', assignmentId: assignment['id'] as number }) as Row;
    expect(shown).toMatchObject({ score: 15, grade: '15', workflow_state: 'graded' });
    expect(typeof shown['posted_at']).toBe('string');
  });

  it('records a submission: attempt + 1 and submitted_at now', async () => {
    const { courseId } = await setup();
    const assignment = sim.mutate({ op: 'addAssignment', courseId, dueAt: '2020-01-01T00:00:00Z' }) as Row;
    const submitted = sim.mutate({ op: 'submit', assignmentId: assignment['id'] as number }) as Row;
    expect(submitted).toMatchObject({ attempt: 1, workflow_state: 'submitted', late: true });
  });

  it('refuses bad mutations with SimInputError', async () => {
    const { user } = await setup();
    expect(() => sim.mutate({ op: 'deleteAssignment', assignmentId: 1 })).toThrow(SimInputError);
    expect(() => sim.mutate({ op: 'nope' } as never)).toThrow(/unknown mutation op/);
    expect(() => sim.mutate({ op: 'addCourse', userId: 5 })).toThrow(/no user/);
    expect(() => sim.groundTruth(user.id + 999_999)).toThrow(/no user/);
  });
});
