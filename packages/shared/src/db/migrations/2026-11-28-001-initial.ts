import { sql, type Kysely } from 'kysely';

/**
 * The table contract of DESIGN.md: schema `canvas` holds the synced rows, keyed by (user_id, id)
 * with `raw` and `deleted_at`; bookkeeping (connections, syncs, checkpoints) lives in `public`.
 * Frozen once released: later changes get their own dated migration.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE SCHEMA IF NOT EXISTS canvas`.execute(db);

  const common = (table: string) => sql`
    user_id text NOT NULL,
    id bigint NOT NULL,
    raw jsonb NOT NULL,
    content_hash text NOT NULL,
    synced_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT ${sql.raw(`${table}_pkey`)} PRIMARY KEY (user_id, id)`;

  await sql`CREATE TABLE canvas.terms (
    ${common('terms')},
    name text, start_at timestamptz, end_at timestamptz, workflow_state text)`.execute(db);
  await sql`CREATE TABLE canvas.courses (
    ${common('courses')},
    name text, course_code text, workflow_state text, term_id bigint, account_id bigint,
    start_at timestamptz, end_at timestamptz, access_restricted boolean NOT NULL DEFAULT false)`.execute(db);
  await sql`CREATE INDEX courses_user_term_idx ON canvas.courses (user_id, term_id)`.execute(db);
  await sql`CREATE TABLE canvas.assignment_groups (
    ${common('assignment_groups')},
    course_id bigint NOT NULL, name text, position integer, group_weight double precision)`.execute(db);
  await sql`CREATE INDEX assignment_groups_user_course_idx ON canvas.assignment_groups (user_id, course_id)`.execute(db);
  await sql`CREATE TABLE canvas.assignments (
    ${common('assignments')},
    course_id bigint NOT NULL, assignment_group_id bigint, name text, due_at timestamptz, lock_at timestamptz,
    unlock_at timestamptz, points_possible double precision, grading_type text, published boolean,
    canvas_updated_at timestamptz)`.execute(db);
  await sql`CREATE INDEX assignments_user_course_idx ON canvas.assignments (user_id, course_id)`.execute(db);
  await sql`CREATE TABLE canvas.submissions (
    ${common('submissions')},
    course_id bigint NOT NULL, assignment_id bigint NOT NULL, score double precision, grade text,
    excused boolean, late boolean, missing boolean, workflow_state text, submitted_at timestamptz,
    graded_at timestamptz, posted_at timestamptz, grade_hidden boolean NOT NULL DEFAULT false)`.execute(db);
  await sql`CREATE INDEX submissions_user_course_idx ON canvas.submissions (user_id, course_id)`.execute(db);

  await sql`CREATE TABLE connections (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id text NOT NULL UNIQUE,
    base_url text NOT NULL,
    token_ciphertext text NOT NULL,
    token_key_id text NOT NULL,
    canvas_user jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now())`.execute(db);

  await sql`CREATE TABLE syncs (
    id uuid PRIMARY KEY,
    user_id text NOT NULL,
    connection_id uuid NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    status text NOT NULL CHECK (status IN ('queued','running','completed','failed','cancelled')),
    phase text NOT NULL DEFAULT 'queued',
    scope jsonb NOT NULL,
    mode text NOT NULL CHECK (mode IN ('full','incremental')),
    dry_run boolean NOT NULL DEFAULT false,
    chunk_size integer NOT NULL CHECK (chunk_size BETWEEN 5 AND 50),
    run integer NOT NULL DEFAULT 0,
    seq bigint NOT NULL DEFAULT 0,
    plan_ready boolean NOT NULL DEFAULT false,
    units_total integer NOT NULL DEFAULT 0,
    units_done integer NOT NULL DEFAULT 0,
    counts jsonb NOT NULL DEFAULT '{}',
    diff jsonb,
    warnings jsonb NOT NULL DEFAULT '[]',
    error jsonb,
    message text NOT NULL DEFAULT '',
    traceparent text,
    stall_retries integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    finished_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now())`.execute(db);
  // One sync in flight per user (DESIGN.md invariant "Fair"), enforced by the database itself.
  await sql`CREATE UNIQUE INDEX syncs_one_active_per_user ON syncs (user_id) WHERE status IN ('queued','running')`.execute(db);
  await sql`CREATE INDEX syncs_user_created_idx ON syncs (user_id, created_at DESC, id DESC)`.execute(db);
  await sql`CREATE INDEX syncs_active_idx ON syncs (status, updated_at) WHERE status IN ('queued','running')`.execute(db);

  // Checkpoints: one row per unit of a sync (`courses`, `course:<id>`).
  await sql`CREATE TABLE sync_units (
    sync_id uuid NOT NULL REFERENCES syncs (id) ON DELETE CASCADE,
    unit_key text NOT NULL,
    course_id bigint,
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','done','skipped')),
    fetch_id uuid,
    warning jsonb,
    completed_at timestamptz,
    PRIMARY KEY (sync_id, unit_key))`.execute(db);
  // Parts of one fetch of a unit; the unit is done when one fetch has all its parts.
  await sql`CREATE TABLE sync_unit_parts (
    sync_id uuid NOT NULL REFERENCES syncs (id) ON DELETE CASCADE,
    unit_key text NOT NULL,
    fetch_id uuid NOT NULL,
    part integer NOT NULL,
    final boolean NOT NULL,
    seen jsonb NOT NULL DEFAULT '{}',
    counts jsonb NOT NULL DEFAULT '{}',
    diff jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sync_id, unit_key, fetch_id, part))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS sync_unit_parts, sync_units, syncs, connections`.execute(db);
  await sql`DROP SCHEMA IF EXISTS canvas CASCADE`.execute(db);
}
