/** The sync panel: signs in with the user's JWT, then wires the views to the api and live progress. */
import { Alerts } from './lib/alerts.js';
import { CanvasSyncError, createCanvasSyncClient, type SyncWatch } from '@canvas-sync/client';
import { readCanvasReturn, type CanvasReturn } from './lib/canvas-return.js';
import { byId, h } from './lib/dom.js';
import { SyncStore } from './lib/sync-store.js';
import { isTerminal } from './lib/types.js';
import { ConnectionView } from './views/connection.view.js';
import { CurrentView, needsReconnect } from './views/current.view.js';
import { DataView } from './views/data.view.js';
import { HistoryView } from './views/history.view.js';
import { SyncFormView } from './views/sync-form.view.js';

const TOKEN_KEY = 'canvas-sync.token';

/** `?token=` (the demo link) wins and is removed from the address bar; else the tab's session. */
function takeToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

/** The `sub` of the token, for display only (the server verifies it). */
function userOf(token: string): string {
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { sub?: string };
    return payload.sub ?? '?';
  } catch {
    return '?';
  }
}

/** `?canvas=…` from the OAuth callback, removed from the address bar at once so a reload does not repeat it. */
function takeCanvasReturn(): CanvasReturn | null {
  const found = readCanvasReturn(window.location.href);
  if (found) window.history.replaceState(null, '', found.cleanUrl);
  return found?.result ?? null;
}

function showLogin(message?: string): void {
  sessionStorage.removeItem(TOKEN_KEY);
  byId('app').hidden = true;
  byId('login').hidden = false;
  byId('who').replaceChildren();
  if (message) new Alerts().error(message);
  byId('login-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = byId<HTMLTextAreaElement>('login-token').value.trim();
    if (!token) return;
    sessionStorage.setItem(TOKEN_KEY, token);
    window.location.reload();
  });
  byId('login-token').focus();
}

async function main(): Promise<void> {
  const token = takeToken();
  const canvasReturn = takeCanvasReturn();
  if (!token) return showLogin();
  // Same origin; the page's token is the user's for the tab (sign-in again when refused).
  const api = createCanvasSyncClient({ getToken: () => token });
  const alerts = new Alerts();
  const signOut = h('button', { type: 'button', class: 'small secondary' }, 'Sign out');
  signOut.addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    window.location.reload();
  });
  byId('who').replaceChildren(h('span', {}, `Signed in as ${userOf(token)}`), signOut);

  const store = new SyncStore();
  let live: SyncWatch | undefined;
  const watch = async (id: string) => {
    current.show(id);
    live?.follow(id);
    const view = await api.getSync(id).catch(() => undefined);
    if (view) store.applyView(view);
    byId('current').scrollIntoView({ block: 'nearest' });
  };
  const form = new SyncFormView(api, alerts, (id) => void watch(id));
  const connection = new ConnectionView(api, alerts);
  const current = new CurrentView(api, alerts, (view) => void form.startLike(view.scope, view.mode), () => void connection.reconnect());
  const history = new HistoryView(api, { term: form.termName, course: form.courseName }, (id) => void watch(id));
  new DataView(api, alerts, async () => {
    current.hide();
    await Promise.all([history.load(), form.loadPickers()]);
  });

  store.onChange((view, previous) => {
    current.update(view, previous);
    history.upsert(view);
    if (isTerminal(view.status) && previous && !isTerminal(previous.status)) {
      // Re-read once at the end: exact times, the diff of a preview, warnings; new pickers data.
      void api.getSync(view.id).then((fresh) => store.applyView(fresh), () => undefined);
      void form.loadPickers();
      if (needsReconnect(view)) void connection.refresh().catch(() => undefined);
    }
  });

  try {
    await Promise.all([connection.load(), form.loadPickers()]);
    const recent = await history.load();
    byId('login').hidden = true;
    byId('app').hidden = false;
    for (const view of recent) store.applyView(view);
    const active = recent.find((v) => !isTerminal(v.status));
    if (active) void watch(active.id);
    // Not awaited: testing the new connection may take Canvas seconds; live progress starts meanwhile.
    if (canvasReturn) void connection.afterReturn(canvasReturn);
    // Back from reconnecting after a sync Canvas stopped: offer to pick it up where it was.
    const stopped = recent[0];
    if (canvasReturn?.outcome === 'connected' && !active && stopped && needsReconnect(stopped)) {
      void watch(stopped.id);
      alerts.info('Canvas is connected again. Resume the sync it stopped? Finished work is skipped.', { label: 'Resume', run: () => void current.resumeSync(stopped.id) });
    }
    // Live progress of all the user's syncs (the notifier's address from GET /api/v1/config),
    // polling the shown one while the socket is down; the client drops stale and repeated frames.
    current.setMode('connecting');
    live = api.watchSyncs({
      onChange: (view) => store.applyView(view),
      onConnectionChange: (mode) => current.setMode(mode),
      onError: (err) => {
        if (err.code === 'unauthenticated') showLogin('Your sign-in has expired or is not valid. Sign in again.');
      },
    });
    if (current.id) live.follow(current.id);
  } catch (err) {
    if (err instanceof CanvasSyncError && err.status === 401) return showLogin('Your sign-in has expired or is not valid. Sign in again.');
    byId('app').hidden = false;
    alerts.error(`The panel could not load: ${err instanceof Error ? err.message : 'unknown error'}`);
  }
}

void main();
