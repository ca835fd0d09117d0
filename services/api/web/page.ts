/**
 * The api's own page at `/`: a sign-in form for a pasted user token (or the demo link's `?token=`),
 * then the same `<canvas-sync-panel>` host apps embed, fed from the tab's session.
 */
import { defineCanvasSyncPanel, type CanvasSyncPanelElement } from './element/canvas-sync-panel.element.js';
import { h } from './lib/dom.js';

const TOKEN_KEY = 'canvas-sync.token';

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from index.html`);
  return el as T;
}

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
function subjectOf(token: string): string | null {
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { sub?: unknown };
    return typeof payload.sub === 'string' ? payload.sub : null;
  } catch {
    return null;
  }
}

function showLogin(message?: string): void {
  sessionStorage.removeItem(TOKEN_KEY);
  byId('panel').hidden = true;
  byId('login').hidden = false;
  byId('who').replaceChildren();
  const error = byId('login-error');
  error.textContent = message ?? '';
  error.hidden = !message;
  byId('login-token').focus();
}

function main(): void {
  defineCanvasSyncPanel();
  byId('login-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = byId<HTMLTextAreaElement>('login-token').value.trim();
    if (!token) return;
    sessionStorage.setItem(TOKEN_KEY, token);
    window.location.reload();
  });
  const token = takeToken();
  if (!token) return showLogin();
  const signOut = h('button', { type: 'button', class: 'small' }, 'Sign out');
  signOut.addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    window.location.reload();
  });
  byId('who').replaceChildren(h('span', {}, `Signed in as ${subjectOf(token) ?? '?'}`), signOut);
  const panel = byId<CanvasSyncPanelElement>('panel');
  // A pasted token cannot be renewed: when the api refuses it, the user signs in again.
  panel.addEventListener('canvas-sync:unauthorized', () => showLogin('Your sign-in has expired or is not valid. Sign in again.'));
  byId('login').hidden = true;
  panel.hidden = false;
  panel.tokenProvider = () => token;
}

main();
