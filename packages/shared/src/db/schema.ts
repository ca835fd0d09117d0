import type { ColumnType, Generated, Insertable, JSONColumnType, Selectable, Updateable } from 'kysely';

type GeneratedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null, Date | string | null>;
/** pg returns bigint as text; Canvas ids fit in a JS number, so we parse them (see db/connect.ts). */
type BigId = ColumnType<number, number | string, number | string>;
/** A sequence number (bigint, parsed like ids). */
type BigSeq = ColumnType<number, number | string | undefined, number | string>;

interface CanvasRowBase {
  user_id: string;
  id: BigId;
  raw: JSONColumnType<Record<string, unknown>>;
  content_hash: string;
  synced_at: GeneratedTimestamp;
  deleted_at: NullableTimestamp;
}

export interface TermsTable extends CanvasRowBase {
  name: string | null;
  start_at: NullableTimestamp;
  end_at: NullableTimestamp;
  workflow_state: string | null;
}
export interface CoursesTable extends CanvasRowBase {
  name: string | null;
  course_code: string | null;
  workflow_state: string | null;
  term_id: BigId | null;
  account_id: BigId | null;
  start_at: NullableTimestamp;
  end_at: NullableTimestamp;
  access_restricted: Generated<boolean>;
}
export interface AssignmentGroupsTable extends CanvasRowBase {
  course_id: BigId;
  name: string | null;
  position: number | null;
  group_weight: number | null;
}
export interface AssignmentsTable extends CanvasRowBase {
  course_id: BigId;
  assignment_group_id: BigId | null;
  name: string | null;
  due_at: NullableTimestamp;
  lock_at: NullableTimestamp;
  unlock_at: NullableTimestamp;
  points_possible: number | null;
  grading_type: string | null;
  published: boolean | null;
  canvas_updated_at: NullableTimestamp;
}
export interface SubmissionsTable extends CanvasRowBase {
  course_id: BigId;
  assignment_id: BigId;
  score: number | null;
  grade: string | null;
  excused: boolean | null;
  late: boolean | null;
  missing: boolean | null;
  workflow_state: string | null;
  submitted_at: NullableTimestamp;
  graded_at: NullableTimestamp;
  posted_at: NullableTimestamp;
  grade_hidden: Generated<boolean>;
}

export interface ConnectionsTable {
  id: Generated<string>;
  user_id: string;
  base_url: string;
  /** Null once the user disconnected: the row stays because syncs point at it. */
  token_ciphertext: string | null;
  token_key_id: string | null;
  canvas_user: JSONColumnType<{ id: number; name: string } | null, string | null, string | null>;
  /** `token`: a pasted personal access token; `oauth`: an OAuth2 grant with a refresh token. */
  auth_type: ColumnType<'token' | 'oauth', 'token' | 'oauth' | undefined, 'token' | 'oauth'>;
  /** `reauth_required` once Canvas refused to refresh the grant: the user must reconnect. */
  status: ColumnType<'ok' | 'reauth_required', 'ok' | 'reauth_required' | undefined, 'ok' | 'reauth_required'>;
  refresh_ciphertext: string | null;
  refresh_key_id: string | null;
  /** When the OAuth access token expires (Canvas's `expires_in`); null for personal tokens. */
  access_expires_at: NullableTimestamp;
  /** Rises with every refresh, so replicas can tell a newer stored token from their own. */
  token_version: Generated<number>;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

/** A pending OAuth authorization: only the hash of its `state`, single-use, expiring. */
export interface OAuthStatesTable {
  state_hash: string;
  user_id: string;
  base_url: string;
  return_to: string;
  expires_at: ColumnType<Date, Date | string, Date | string>;
  created_at: GeneratedTimestamp;
}

export interface SyncsTable {
  id: string;
  user_id: string;
  connection_id: string;
  status: string;
  phase: Generated<string>;
  scope: JSONColumnType<{ type: 'all' } | { type: 'term'; termId: number } | { type: 'course'; courseId: number }>;
  mode: string;
  dry_run: Generated<boolean>;
  /** `user` or `schedule`: what started the sync. */
  trigger: Generated<'user' | 'schedule'>;
  chunk_size: number;
  run: Generated<number>;
  seq: ColumnType<number, number | undefined, number>;
  plan_ready: Generated<boolean>;
  units_total: Generated<number>;
  units_done: Generated<number>;
  counts: ColumnType<Record<string, Record<string, number>>, string | undefined, string>;
  diff: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  warnings: ColumnType<Array<{ code: string; message: string; unitKey?: string }>, string | undefined, string>;
  error: ColumnType<{ code: string; message: string } | null, string | null | undefined, string | null>;
  message: Generated<string>;
  traceparent: string | null;
  stall_retries: Generated<number>;
  created_at: GeneratedTimestamp;
  started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface SyncUnitsTable {
  sync_id: string;
  unit_key: string;
  course_id: BigId | null;
  state: Generated<string>;
  fetch_id: string | null;
  warning: ColumnType<{ code: string; message: string } | null, string | null | undefined, string | null>;
  completed_at: NullableTimestamp;
}

export interface SyncUnitPartsTable {
  sync_id: string;
  unit_key: string;
  fetch_id: string;
  part: number;
  final: boolean;
  seen: ColumnType<Record<string, number[]>, string, string>;
  counts: ColumnType<Record<string, Record<string, number>>, string, string>;
  diff: ColumnType<Record<string, { create: number[]; update: number[] }> | null, string | null, string | null>;
  created_at: GeneratedTimestamp;
}

/** A user's sync schedule (`PUT /api/v1/schedule`) or the deployment default written for them. */
export interface SyncSchedulesTable {
  user_id: string;
  /** `user`: set by the user (an explicit off included); `default`: from `SYNC_SCHEDULE_DEFAULT_MINUTES`. */
  source: ColumnType<'user' | 'default', 'user' | 'default' | undefined, 'user' | 'default'>;
  enabled: Generated<boolean>;
  interval_minutes: number;
  mode: ColumnType<'incremental' | 'full', 'incremental' | 'full' | undefined, 'incremental' | 'full'>;
  scope: ColumnType<{ type: 'all' } | { type: 'term'; termId: number } | { type: 'course'; courseId: number }, string | undefined, string>;
  /** When the next run is due; null while the schedule is off. */
  next_run_at: NullableTimestamp;
  last_run_at: NullableTimestamp;
  /** Scheduled runs started so far (every `SCHEDULE_FULL_EVERY`-th is full). */
  run_count: Generated<number>;
  last_sync_id: string | null;
  /** A scheduled sync inserted but not yet announced on NATS (set and cleared by the scheduler). */
  pending_sync_id: string | null;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

/** The scheduler's leader lease: holder id and expiry in the database's clock. */
export interface SchedulerLeasesTable {
  name: string;
  holder: string;
  expires_at: ColumnType<Date, Date | string, Date | string>;
  acquired_at: GeneratedTimestamp;
}

/** Per user: the last feed and event sequence numbers handed out (bumped under its row lock). */
export interface ChangeCountersTable {
  user_id: string;
  feed_seq: BigSeq;
  event_seq: BigSeq;
  /** Feed rows up to this seq were pruned or erased: an older cursor is expired. */
  feed_pruned_through: BigSeq;
}

/** A change event waiting for (or done with) its publish to stream CANVAS_EVENTS. */
export interface EventOutboxTable {
  /** The envelope `id` and JetStream `msgID`: stable across republishes. */
  event_id: Generated<string>;
  user_id: string;
  /** The user's event order (commit order). */
  user_seq: BigSeq;
  type: 'canvas.changes' | 'sync.finished';
  correlation_id: string;
  payload: ColumnType<Record<string, unknown>, string, string>;
  created_at: GeneratedTimestamp;
  published_at: NullableTimestamp;
}

/** One changed Canvas row of a user, in the user's commit order (`seq`). */
export interface ChangeFeedTable {
  user_id: string;
  seq: BigSeq;
  resource: string;
  id: BigId;
  action: 'created' | 'updated' | 'deleted';
  at: GeneratedTimestamp;
}

/** The whole database as kysely sees it: the one definition of the schema's types. */
export interface Database {
  'canvas.terms': TermsTable;
  'canvas.courses': CoursesTable;
  'canvas.assignment_groups': AssignmentGroupsTable;
  'canvas.assignments': AssignmentsTable;
  'canvas.submissions': SubmissionsTable;
  connections: ConnectionsTable;
  oauth_states: OAuthStatesTable;
  syncs: SyncsTable;
  sync_units: SyncUnitsTable;
  sync_unit_parts: SyncUnitPartsTable;
  sync_schedules: SyncSchedulesTable;
  scheduler_leases: SchedulerLeasesTable;
  change_counters: ChangeCountersTable;
  event_outbox: EventOutboxTable;
  change_feed: ChangeFeedTable;
}

export type SyncRow = Selectable<SyncsTable>;
export type NewSync = Insertable<SyncsTable>;
export type SyncUpdate = Updateable<SyncsTable>;
export type ConnectionRow = Selectable<ConnectionsTable>;
export type SyncScheduleRow = Selectable<SyncSchedulesTable>;
