import { z } from 'zod';
import { ErrorInfo, Progress, SyncCounts, SyncId, SyncPhase, SyncStatus, type SyncProgress, type SyncView } from '@canvas-sync/shared';

/** Frames a client may send (DESIGN.md, WebSocket). */
export const AuthFrame = z.object({ type: z.literal('auth'), token: z.string().min(1).max(8_192) }).strict();
export const SubscribeFrame = z.object({ type: z.literal('subscribe'), syncId: SyncId.optional() }).strict();
export const ClientFrame = z.discriminatedUnion('type', [AuthFrame, SubscribeFrame]);
export type ClientFrame = z.infer<typeof ClientFrame>;

/** Error codes of `{"type":"error"}` frames; stable, clients switch on them. */
export type FrameErrorCode = 'bad_frame' | 'unknown_type' | 'unauthenticated' | 'not_found' | 'internal';

/** A progress frame: the event of the writer plus `type`; terminal ones add a `summary`. */
export const ProgressFrame = z.object({
  type: z.literal('progress'),
  syncId: SyncId,
  seq: z.number().int(),
  status: SyncStatus,
  phase: SyncPhase,
  progress: Progress,
  etaSeconds: z.number().nullable(),
  counts: SyncCounts,
  message: z.string(),
  summary: z.string().optional(),
  error: ErrorInfo.optional(),
});
export type ProgressFrame = z.infer<typeof ProgressFrame>;

export type ServerFrame =
  | { type: 'ready'; userId: string }
  | { type: 'snapshot'; sync: SyncView }
  | ProgressFrame
  | { type: 'error'; code: FrameErrorCode; message: string; syncId?: string };

export type ParseResult = { ok: true; frame: ClientFrame } | { ok: false; code: 'bad_frame' | 'unknown_type'; message: string };

const KNOWN_TYPES = new Set(['auth', 'subscribe']);

/** Parses one text frame; never throws. */
export function parseClientFrame(text: string): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, code: 'bad_frame', message: 'A frame must be a JSON object.' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, code: 'bad_frame', message: 'A frame must be a JSON object.' };
  const type = (json as { type?: unknown }).type;
  if (typeof type !== 'string') return { ok: false, code: 'bad_frame', message: 'A frame needs a string "type".' };
  if (!KNOWN_TYPES.has(type)) return { ok: false, code: 'unknown_type', message: `Unknown frame type "${type.slice(0, 40)}".` };
  const parsed = ClientFrame.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, code: 'bad_frame', message: `Bad ${type} frame: ${issue?.path.join('.') || 'frame'} ${issue?.message ?? 'is invalid'}`.slice(0, 300) };
  }
  return { ok: true, frame: parsed.data };
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/** True for the statuses a sync ends in; their frames are never dropped. */
export function isTerminal(status: string): boolean {
  return TERMINAL.has(status);
}

const SUMMARY_PARTS: Array<[string, string, string]> = [
  ['courses', 'course', 'courses'],
  ['assignments', 'assignment', 'assignments'],
  ['assignment_groups', 'category', 'categories'],
  ['submissions', 'submission', 'submissions'],
];

/** "12 courses, 156 assignments, 24 categories": what a finished sync holds (deleted rows excluded). */
export function summarize(counts: SyncProgress['counts']): string {
  const parts: string[] = [];
  for (const [resource, one, many] of SUMMARY_PARTS) {
    const c = counts[resource as keyof typeof counts];
    if (!c) continue;
    const n = c.created + c.updated + c.unchanged;
    parts.push(`${n} ${n === 1 ? one : many}`);
  }
  return parts.join(', ');
}

/** The frame for a progress event. */
export function toProgressFrame(event: SyncProgress): ProgressFrame {
  const frame: ProgressFrame = {
    type: 'progress',
    syncId: event.syncId,
    seq: event.seq,
    status: event.status,
    phase: event.phase,
    progress: event.progress,
    etaSeconds: event.etaSeconds,
    counts: event.counts,
    message: event.message,
  };
  if (event.status === 'completed') frame.summary = summarize(event.counts);
  if (event.error) frame.error = event.error;
  return frame;
}

// One encoding per frame object: the hub hands the same progress frame to every socket of the
// user, so 10,000 sockets cost one JSON.stringify and one Buffer, not 10,000 of each.
const encodings = new WeakMap<ServerFrame, Buffer>();

/** The frame as the UTF-8 bytes of its JSON text (sent as a text frame); memoized per object, which must not change afterwards. */
export function encodeFrame(frame: ServerFrame): Buffer {
  let bytes = encodings.get(frame);
  if (!bytes) {
    bytes = Buffer.from(JSON.stringify(frame));
    encodings.set(frame, bytes);
  }
  return bytes;
}
