import { CanvasSyncError, createCanvasSyncClient, type SyncWatch, type TokenProvider } from '@canvas-sync/client';
import { Alerts } from '../lib/alerts.js';
import type { CanvasReturn } from '../lib/canvas-return.js';
import type { Dom } from '../lib/dom.js';
import { SyncStore } from '../lib/sync-store.js';
import { isTerminal } from '../lib/types.js';
import { ConnectionView } from '../views/connection.view.js';
import { CurrentView, needsReconnect } from '../views/current.view.js';
import { DataView } from '../views/data.view.js';
import { HistoryView } from '../views/history.view.js';
import { ScheduleView } from '../views/schedule.view.js';
import { SyncFormView } from '../views/sync-form.view.js';
import { eventsOf, type PanelEmit } from './panel-events.js';

export interface PanelSetup {
  dom: Dom;
  /** The api's origin ('' = this page's). */
  apiUrl: string;
  /** The notifier's `/ws` URL; `null` = what the api's `/api/v1/config` says. */
  notifierUrl: string | null;
  /** The host's `tokenProvider`: the client asks it at start, before `exp`, and after a 401/4401. */
  getToken: TokenProvider;
  emit: PanelEmit;
  /** The OAuth return the page was loaded with, if any. */
  canvasReturn: CanvasReturn | null;
  /** The host's token was refused even fresh: the user must sign in again (in the host app). */
  onUnauthorized(): void;
}

const SIGNED_OUT = 'Your sign-in has expired or is not valid. Sign in again.';

/** A signed-out user: a fresh token was refused too, or the host's provider gave none. */
const isSignedOut = (err: unknown): boolean => err instanceof CanvasSyncError && (err.status === 401 || err.code === 'unauthenticated');

/** A running panel: the views wired to the api and live progress; `stop()` closes its socket and timers. */
export interface PanelRun {
  stop(): void;
}

/** Wires the views of one panel (the former app.ts of the standalone page) and loads it. */
export async function startPanel(setup: PanelSetup): Promise<PanelRun> {
  const { dom, emit } = setup;
  // The token is the host's: asked at start, renewed before `exp`, and once more after a 401/4401.
  const api = createCanvasSyncClient({ baseUrl: setup.apiUrl, getToken: setup.getToken, ...(setup.notifierUrl ? { notifierUrl: setup.notifierUrl } : {}) });
  const alerts = new Alerts(dom);
  const store = new SyncStore();
  let live: SyncWatch | undefined;
  let stopped = false;
  const run: PanelRun = {
    stop: () => {
      stopped = true;
      live?.close();
    },
  };
  const signedOut = () => {
    run.stop();
    alerts.error(SIGNED_OUT);
    setup.onUnauthorized();
  };
  const watch = async (id: string) => {
    current.show(id);
    live?.follow(id);
    const view = await api.getSync(id).catch(() => undefined);
    if (view) store.applyView(view);
    dom.byId('current').scrollIntoView({ block: 'nearest' });
  };
  const form = new SyncFormView(dom, api, alerts, (id, dryRun, request) => {
    emit('canvas-sync:started', { syncId: id, dryRun, scope: request?.scope ?? null, mode: request?.mode ?? null, resumed: false });
    void watch(id);
  });
  const connection = new ConnectionView(dom, api, alerts, setup.apiUrl);
  const current = new CurrentView(dom, api, alerts, (view) => void form.startLike(view.scope, view.mode), () => void connection.reconnect(), (id) => {
    const known = store.get(id);
    emit('canvas-sync:started', { syncId: id, dryRun: known?.dryRun ?? false, scope: known?.scope ?? null, mode: known?.mode ?? null, resumed: true });
  });
  const schedule = new ScheduleView(dom, api, alerts);
  const history = new HistoryView(dom, api, { term: form.termName, course: form.courseName }, (id) => void watch(id));
  new DataView(dom, api, alerts, async () => {
    current.hide();
    await Promise.all([history.load(), form.loadPickers()]);
  });

  store.onChange((view, previous) => {
    current.update(view, previous);
    history.upsert(view);
    eventsOf(view, previous, emit);
    if (isTerminal(view.status) && previous && !isTerminal(previous.status)) {
      // Re-read once at the end: exact times, the diff of a preview, warnings; new pickers data.
      void api.getSync(view.id).then((fresh) => store.applyView(fresh), () => undefined);
      void form.loadPickers();
      if (needsReconnect(view)) void connection.refresh().catch(() => undefined);
    }
  });

  try {
    await Promise.all([connection.load(), form.loadPickers(), schedule.load()]);
    const recent = await history.load();
    if (stopped) return run;
    dom.byId('app').hidden = false;
    for (const view of recent) store.applyView(view);
    const active = recent.find((v) => !isTerminal(v.status));
    if (active) void watch(active.id);
    const canvasReturn = setup.canvasReturn;
    // Not awaited: testing the new connection may take Canvas seconds; live progress starts meanwhile.
    if (canvasReturn) void connection.afterReturn(canvasReturn);
    // Back from reconnecting after a sync Canvas stopped: offer to pick it up where it was.
    const halted = recent[0];
    if (canvasReturn?.outcome === 'connected' && !active && halted && needsReconnect(halted)) {
      void watch(halted.id);
      alerts.info('Canvas is connected again. Resume the sync it stopped? Finished work is skipped.', { label: 'Resume', run: () => void current.resumeSync(halted.id) });
    }
    current.setMode('connecting');
    // All the user's syncs over the notifier's socket (snapshots, seq-deduped frames, reconnects,
    // token renewal), polling the followed ones while it is down: @canvas-sync/client.
    live = api.watchSyncs({
      onChange: (view) => store.applyView(view),
      onConnectionChange: (state) => current.setMode(state),
      onError: (err) => isSignedOut(err) && signedOut(),
    });
    if (current.id) live.follow(current.id);
  } catch (err) {
    if (isSignedOut(err)) {
      signedOut();
      return run;
    }
    alerts.error(`The panel could not load: ${err instanceof Error ? err.message : 'unknown error'}`);
  }
  return run;
}
