/**
 * Data changes between syncs. Every entity id is unique across the whole sim, so `userId` is only
 * needed where nothing else names the owner (addCourse). Each op returns the affected object as the
 * API would now serve it (or `{deleted: id}`).
 */
export type SimMutation =
  | {
      op: 'addCourse';
      userId: number;
      name?: string;
      courseCode?: string;
      termId?: number;
      /** Assignments to generate in it (default 5). */
      assignments?: number;
      /** Add an `access_restricted_by_date` stub instead. */
      restricted?: boolean;
    }
  | {
      op: 'editCourse';
      courseId: number;
      /** Course fields to overwrite (name, course_code, start_at, end_at, workflow_state, default_view, …);
       * `enrollment_state` ('active' | 'invited' | 'completed') changes the user's enrollment; `term_id` moves it. */
      changes: Record<string, unknown>;
    }
  | { op: 'deleteCourse'; courseId: number }
  | {
      op: 'addAssignmentGroup';
      courseId: number;
      name?: string;
      groupWeight?: number;
      rules?: Record<string, unknown>;
    }
  | { op: 'editAssignmentGroup'; groupId: number; changes: Record<string, unknown> }
  /** Canvas deletes the group's assignments with it. */
  | { op: 'deleteAssignmentGroup'; groupId: number }
  | {
      op: 'addAssignment';
      courseId: number;
      /** Default: the course's first group. */
      groupId?: number;
      name?: string;
      /** Default 10. */
      pointsPossible?: number;
      /** Default 'points'. */
      gradingType?: 'points' | 'percent' | 'letter_grade' | 'pass_fail' | 'not_graded';
      /** Default ['online_upload']. */
      submissionTypes?: string[];
      dueAt?: string | null;
      description?: string | null;
      /** Position in its group (1-based); later ones move down. Default: last. */
      position?: number;
    }
  /** Overwrites assignment fields and bumps `updated_at` (strictly later than before). */
  | { op: 'editAssignment'; assignmentId: number; changes: Record<string, unknown> }
  | { op: 'deleteAssignment'; assignmentId: number }
  /** The student submits (attempt + 1, submitted_at now). */
  | { op: 'submit'; assignmentId: number; userId?: number; submittedAt?: string }
  /**
   * Grades the student's submission: score (null clears the grade), or excused. `posted` (default true)
   * sets posted_at; unposted grades hide score/grade/entered_* from the student.
   */
  | {
      op: 'gradeSubmission';
      assignmentId: number;
      userId?: number;
      score?: number | null;
      excused?: boolean;
      posted?: boolean;
      gradedAt?: string;
    }
  /** Posts (or hides with posted:false) the grade of the submission. */
  | { op: 'postGrade'; assignmentId: number; userId?: number; posted?: boolean };

export type SimMutationOp = SimMutation['op'];
