import type { World } from '../data/world.js';
import type { SimMutation } from '../mutation.types.js';
import { addAssignment, addAssignmentGroup, deleteAssignment, deleteAssignmentGroup, editAssignment, editAssignmentGroup } from './assignment.mutations.js';
import { addCourse, deleteCourse, editCourse } from './course.mutations.js';
import { MutationError } from './mutation-context.js';
import { gradeSubmission, postGrade, submit } from './submission.mutations.js';

/** Applies one mutation; throws MutationError on a bad op or unknown ids. */
export function applyMutation(world: World, mutation: SimMutation): unknown {
  if (typeof mutation !== 'object' || mutation === null) throw new MutationError('a mutation is an object with an op');
  switch (mutation.op) {
    case 'addCourse':
      return addCourse(world, mutation);
    case 'editCourse':
      return editCourse(world, mutation);
    case 'deleteCourse':
      return deleteCourse(world, mutation);
    case 'addAssignmentGroup':
      return addAssignmentGroup(world, mutation);
    case 'editAssignmentGroup':
      return editAssignmentGroup(world, mutation);
    case 'deleteAssignmentGroup':
      return deleteAssignmentGroup(world, mutation);
    case 'addAssignment':
      return addAssignment(world, mutation);
    case 'editAssignment':
      return editAssignment(world, mutation);
    case 'deleteAssignment':
      return deleteAssignment(world, mutation);
    case 'submit':
      return submit(world, mutation);
    case 'gradeSubmission':
      return gradeSubmission(world, mutation);
    case 'postGrade':
      return postGrade(world, mutation);
    default:
      throw new MutationError(`unknown mutation op ${JSON.stringify((mutation as { op?: unknown }).op)}`);
  }
}
