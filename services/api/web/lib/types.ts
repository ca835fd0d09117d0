/** The shapes of DESIGN.md the panel reads (GET /api/v1/syncs/:id and the WebSocket frames). */
export type SyncStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
export type Scope = { type: 'all' } | { type: 'term'; termId: number } | { type: 'course'; courseId: number };
export interface ResourceCounts {
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
}
export type Counts = Partial<Record<string, ResourceCounts>>;
export interface Progress {
  done: number;
  total: number;
  percent: number;
}
export interface ErrorInfo {
  code: string;
  message: string;
}

export interface SyncView {
  id: string;
  status: SyncStatus;
  scope: Scope;
  mode: 'full' | 'incremental';
  dryRun: boolean;
  /** What started it (older apis leave it out: read as a person). */
  trigger?: 'user' | 'schedule';
  phase: string;
  progress: Progress;
  etaSeconds: number | null;
  counts: Counts;
  warnings?: Array<{ code: string; message: string }>;
  message?: string;
  createdAt?: string;
  startedAt: string | null;
  finishedAt: string | null;
  elapsedSeconds?: number | null;
  seq: number;
  error?: ErrorInfo;
  diff?: Record<string, { create: number[]; update: number[]; delete: number[] }>;
}

export interface ProgressFrame {
  type: 'progress';
  syncId: string;
  seq: number;
  status: SyncStatus;
  phase: string;
  progress: Progress;
  etaSeconds: number | null;
  counts: Counts;
  message: string;
  summary?: string;
  error?: ErrorInfo;
}

export const isTerminal = (status: SyncStatus): boolean => status === 'completed' || status === 'failed' || status === 'cancelled';
