import type { CanvasRoute } from '../http/route-context.js';
import { listAssignmentGroupsRoute, listAssignmentsRoute } from './assignments.routes.js';
import { listCoursesRoute, showCourseRoute } from './courses.routes.js';
import { listStudentSubmissionsRoute } from './submissions.routes.js';
import { listTermsRoute } from './terms.routes.js';
import { showUserRoute } from './users.routes.js';

/** Every Canvas endpoint the simulator answers (all GET). */
export const CANVAS_ROUTES: ReadonlyArray<readonly [path: string, route: CanvasRoute]> = [
  ['/api/v1/users/:id', showUserRoute],
  ['/api/v1/courses', listCoursesRoute],
  ['/api/v1/courses/:id', showCourseRoute],
  ['/api/v1/accounts/:id/terms', listTermsRoute],
  ['/api/v1/courses/:id/assignment_groups', listAssignmentGroupsRoute],
  ['/api/v1/courses/:id/assignments', listAssignmentsRoute],
  ['/api/v1/courses/:id/students/submissions', listStudentSubmissionsRoute],
];
