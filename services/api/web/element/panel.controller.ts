import { Alerts } from '../lib/alerts.js';
import { ApiClient, ApiError } from '../lib/api.client.js';
import type { CanvasReturn } from '../lib/canvas-return.js';
import type { Dom } from '../lib/dom.js';
import { LiveProgress } from '../lib/live-progress.js';
import { SyncStore } from '../lib/sync-store.js';
import type { TokenSource } from '../lib/token-source.js';
import { isTerminal } from '../lib/types.js';
import { ConnectionView } from '../views/connection.view.js';
import { CurrentView, needsReconnect } from '../views/current.view.js';
import { DataView } from '../views/data.view.js';
import { HistoryView } from '../views/history.view.js';
import { SyncFormView } from '../views/sync-form.view.js';
import { eventsOf, type PanelEmit } from './panel-events.js';

export interface PanelSetup {
  dom: Dom;
  /** The api's origin ('' = this page's). */
  apiUrl: string;
  /** The notifier's `/ws` URL; `null` = what the api's `/api/v1/config` says. */
  notifierUrl: string | null;
  tokens: TokenSource;
  emit: PanelEmit;
  /** The OAuth return the page was loaded with, if any. */
  canvasReturn: CanvasReturn | null;
  /** The host's token was refused even fresh: the user must sign in again (in the host app). */
  onUnauthorized(): void;
}

const SIGNED_OUT = 'Your sign-in has expired or is not valid. Sign in again.';

/** A running panel: the views wired to the api and live progress; `stop()` closes its socket and timers. */
export interface PanelRun {
  stop(): void;
}

/** Wires the views of one panel (the former app.ts of the standalone page) and loads it. */
export async function startPanel(setup: PanelSetup): Promise<PanelRun> {
  const { dom, emit } = setup;
  const api = new ApiClient(setup.apiUrl, setup.tokens);
  const alerts = new Alerts(dom);
  const store = new SyncStore();
  let live: LiveProgress | undefined;
  let stopped = false;
  const run: PanelRun = {
    stop: () => {
      stopped = true;
      live?.stop();
    },
  };
  const signedOut = () => {
    run.stop();
    alerts.error(SIGNED_OUT);
    setup.onUnauthorized();
  };
  const watch = async (id: string) => {
    current.show(id);
    live?.watch(id);
    const view = await api.sync(id).catch(() => undefined);
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
      void api.sync(view.id).then((fresh) => store.applyView(fresh), () => undefined);
      void form.loadPickers();
      if (needsReconnect(view)) void connection.refresh().catch(() => undefined);
    }
  });

  try {
    const config = await api.config();
    await Promise.all([connection.load(), form.loadPickers()]);
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
    live = new LiveProgress(
      { url: setup.notifierUrl ?? config.notifierUrl, tokens: setup.tokens, pollMs: config.pollIntervalMs, fetchSync: (id) => api.sync(id) },
      {
        onSnapshot: (view) => store.applyView(view),
        onProgress: (frame) => {
          // A frame of a sync not known yet (started in another tab): read it whole first.
          if (!store.applyFrame(frame) && !store.get(frame.syncId)) void api.sync(frame.syncId).then((v) => store.applyView(v), () => undefined);
        },
        onMode: (mode) => current.setMode(mode),
        onUnauthorized: signedOut,
      },
    );
    current.setMode('connecting');
    live.start();
    if (current.id) live.watch(current.id);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      signedOut();
      return run;
    }
    alerts.error(`The panel could not load: ${err instanceof Error ? err.message : 'unknown error'}`);
  }
  return run;
}
