import { buildAssignment, buildGroup } from '../data/assignment.factory.js';
import { serializeAssignment, sortedGroups } from '../data/assignment.serializer.js';
import { laterThan } from '../data/clock.js';
import type { CourseContent, Json } from '../data/model.js';
import { createPrng, deriveSeed } from '../data/prng.js';
import { emptySubmission } from '../data/submission.factory.js';
import type { World } from '../data/world.js';
import type { SimMutation } from '../mutation.types.js';
import { locate, MutationError, requireCourse, withoutIdentity } from './mutation-context.js';

type Op<K extends SimMutation['op']> = Extract<SimMutation, { op: K }>;

export function addAssignmentGroup(world: World, op: Op<'addAssignmentGroup'>): Json {
  const { course } = requireCourse(world, op.courseId);
  if (course.restricted) throw new MutationError(`course ${op.courseId} is a date-restricted stub`);
  const content = world.contentForChange(course);
  const id = world.take(1);
  const position = Math.max(0, ...content.groups.map((g) => g['position'] as number)) + 1;
  const group = buildGroup(createPrng(deriveSeed(id, 'group')), id, position, false, 1);
  group['rules'] = op.rules ?? {};
  group['group_weight'] = op.groupWeight ?? 0;
  if (op.name !== undefined) group['name'] = op.name;
  content.groups.push(group);
  world.indexAdded(id, course.id);
  return { ...group };
}

export function editAssignmentGroup(world: World, op: Op<'editAssignmentGroup'>): Json {
  const { item } = locate(world, 'group', op.groupId);
  Object.assign(item, withoutIdentity(op.changes, ['assignments']));
  return { ...item };
}

/** Canvas deletes a group's assignments along with it (unless told to move them; not modelled). */
export function deleteAssignmentGroup(world: World, op: Op<'deleteAssignmentGroup'>): Json {
  const { content, item } = locate(world, 'group', op.groupId);
  content.groups.splice(content.groups.indexOf(item), 1);
  for (const assignment of content.assignments.filter((a) => a['assignment_group_id'] === op.groupId)) removeAssignment(content, assignment);
  return { deleted: op.groupId };
}

export function addAssignment(world: World, op: Op<'addAssignment'>): Json {
  const { course, user } = requireCourse(world, op.courseId);
  if (course.restricted) throw new MutationError(`course ${op.courseId} is a date-restricted stub`);
  const content = world.contentForChange(course);
  const group = op.groupId === undefined ? (sortedGroups(content)[0] ?? addFirstGroup(world, content, course.id)) : content.groups.find((g) => g['id'] === op.groupId);
  if (!group) throw new MutationError(`no group ${String(op.groupId)} in course ${op.courseId}`);
  const groupId = group['id'] as number;
  const siblings = content.assignments.filter((a) => a['assignment_group_id'] === groupId);
  const last = siblings.length + 1;
  const position = op.position === undefined ? last : Math.min(Math.max(1, op.position), last);
  // Inserting moves later siblings down, so rows shift under a client paging through them.
  for (const sibling of siblings) if ((sibling['position'] as number) >= position) sibling['position'] = (sibling['position'] as number) + 1;
  const id = world.take(1);
  const now = laterThan(null);
  const prng = createPrng(deriveSeed(id, 'assignment'));
  const assignment = buildAssignment(prng, {
    id, courseId: course.id, groupId, position, number: content.assignments.length + 1,
    createdFrom: Date.parse(now), createdTo: Date.parse(now), dueFrom: Date.now(), dueTo: Date.now(), epochMs: Date.now() + 1, forTeacher: false,
  });
  // Added assignments take plain defaults rather than random ones, so tests can predict grades.
  Object.assign(assignment, {
    created_at: now,
    updated_at: now,
    published: true,
    workflow_state: 'published',
    points_possible: op.pointsPossible ?? 10,
    grading_type: op.gradingType ?? 'points',
    submission_types: op.submissionTypes ?? ['online_upload'],
  });
  if (op.name !== undefined) assignment['name'] = op.name;
  if (op.dueAt !== undefined) assignment['due_at'] = op.dueAt;
  if (op.description !== undefined) assignment['description'] = op.description;
  if (user.role === 'teacher') assignment['needs_grading_count'] = 0;
  content.assignments.push(assignment);
  world.indexAdded(id, course.id);
  // Canvas creates an (unsubmitted) submission row for each student when an assignment is published.
  if (user.role === 'student') {
    content.submissions.set(id, emptySubmission(assignment, { id: world.take(1), userId: user.id }));
  }
  return serializeAssignment(world, assignment);
}

/** Any edit bumps updated_at strictly past its old value: the one change signal Canvas gives. */
export function editAssignment(world: World, op: Op<'editAssignment'>): Json {
  const { content, item } = locate(world, 'assignment', op.assignmentId);
  const changes = withoutIdentity(op.changes, ['updated_at', 'created_at', 'html_url', 'submission']);
  if (changes['assignment_group_id'] !== undefined && !content.groups.some((g) => g['id'] === changes['assignment_group_id'])) {
    throw new MutationError(`no group ${String(changes['assignment_group_id'])} in that course`);
  }
  Object.assign(item, changes, { updated_at: laterThan(item['updated_at'] as string | null) });
  if ('due_at' in changes) {
    const submission = content.submissions.get(op.assignmentId);
    if (submission) submission['cached_due_date'] = item['due_at'] ?? null;
  }
  return serializeAssignment(world, item);
}

export function deleteAssignment(world: World, op: Op<'deleteAssignment'>): Json {
  const { content, item } = locate(world, 'assignment', op.assignmentId);
  removeAssignment(content, item);
  return { deleted: op.assignmentId };
}

function removeAssignment(content: CourseContent, assignment: Json): void {
  content.assignments.splice(content.assignments.indexOf(assignment), 1);
  content.submissions.delete(assignment['id'] as number);
}

function addFirstGroup(world: World, content: CourseContent, courseId: number): Json {
  const id = world.take(1);
  const group = buildGroup(createPrng(deriveSeed(id, 'group')), id, 1, false, 1);
  content.groups.push(group);
  world.indexAdded(id, courseId);
  return group;
}
