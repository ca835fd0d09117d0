import { fileURLToPath } from 'node:url';

/** Where the panel is and how it finds the notifier. */
export interface PanelOptions {
  /** The built panel (`npm run build:web` writes it). */
  root: string;
  /** The notifier's WebSocket URL as browsers reach it; `null` = same host as the page, port `notifierPort`. */
  notifierUrl: string | null;
  notifierPort: number;
  /** How often the panel polls a sync when the WebSocket is down. */
  pollIntervalMs: number;
}

/** services/api/web-dist, next to src/ (and to dist/ when built). */
export const DEFAULT_PANEL_ROOT = fileURLToPath(new URL('../../web-dist', import.meta.url));

/**
 * The panel's settings from the environment: `NOTIFIER_PUBLIC_URL` (e.g. `wss://sync.example.edu/ws`
 * behind an ingress) or else `NOTIFIER_PORT` on the page's own host; `PANEL_ROOT` overrides where the
 * build is. Invalid values fall back to the defaults: the panel is a convenience, never a reason for
 * the api not to start.
 */
export function loadPanelOptions(env: Readonly<Record<string, string | undefined>>): PanelOptions {
  const port = Number(env.NOTIFIER_PORT);
  let notifierUrl: string | null = null;
  if (env.NOTIFIER_PUBLIC_URL) {
    try {
      const url = new URL(env.NOTIFIER_PUBLIC_URL);
      if (url.protocol === 'ws:' || url.protocol === 'wss:') notifierUrl = url.toString();
    } catch {
      notifierUrl = null;
    }
  }
  return {
    root: env.PANEL_ROOT || DEFAULT_PANEL_ROOT,
    notifierUrl,
    notifierPort: Number.isInteger(port) && port > 0 && port < 65_536 ? port : 3001,
    pollIntervalMs: 2_000,
  };
}
