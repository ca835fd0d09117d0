import type { HostConfig } from './host-config.js';

/** Text into HTML: the user's name is the only data these pages show. */
export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const layout = (title: string, body: string) => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${title}</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/host.css">
</head>
<body>
${body}
</body>
</html>`;

export function signInPage(): string {
  return layout(
    'Sign in · Example school',
    `<main>
  <h1>Example school</h1>
  <section class="box" aria-labelledby="sign-in-h">
    <h2 id="sign-in-h">Sign in</h2>
    <p>A stand-in for the host app's own sign-in: any name will do.</p>
    <form method="post" action="/sign-in">
      <label for="user">Your user name</label>
      <input id="user" name="user" required maxlength="64" pattern="[A-Za-z0-9._@-]+" autocomplete="username">
      <button type="submit">Sign in</button>
    </form>
  </section>
</main>`,
  );
}

/** The course dashboard with the embedded panel: the module script and the element, from the api's origin. */
export function dashboardPage(config: HostConfig, user: string): string {
  return layout(
    'Dashboard · Example school',
    `<header class="top">
  <p class="brand">Example school</p>
  <form method="post" action="/sign-out"><span>Signed in as ${escapeHtml(user)}</span> <button type="submit">Sign out</button></form>
</header>
<main>
  <h1>Your courses</h1>
  <p>Bring your Canvas courses, assignments and grades into the school's app.</p>
  <canvas-sync-panel theme="light" api-url="${escapeHtml(config.apiUrl)}" notifier-url="${escapeHtml(config.notifierUrl)}"></canvas-sync-panel>
  <section class="box" aria-labelledby="activity-h">
    <h2 id="activity-h">Activity (the panel's events, as the host app hears them)</h2>
    <ol id="activity" aria-live="polite"></ol>
  </section>
</main>
<script type="module" src="${escapeHtml(config.apiUrl)}/embed/canvas-sync.js"></script>
<script type="module" src="/host.js"></script>`,
  );
}

/**
 * The page's CSP, as strict as the panel allows: scripts from here and the api, calls to here, the
 * api and the notifier; no inline code. The panel's styles are a constructed stylesheet in its shadow
 * root, which `style-src` does not govern.
 */
export function contentSecurityPolicy(config: HostConfig): string {
  const api = new URL(config.apiUrl).origin;
  const ws = new URL(config.notifierUrl);
  return [
    "default-src 'none'",
    `script-src 'self' ${api}`,
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${api} ${ws.protocol}//${ws.host}`,
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
