// The host app's page script: hands the panel a token provider and listens to its events.
const panel = document.querySelector('canvas-sync-panel');
const activity = document.getElementById('activity');

// Called by the panel at start, on a 401/4401 and before the token expires. The session cookie
// (HttpOnly, SameSite=Strict) proves who asks; the answer is a short-lived canvas-sync token.
panel.tokenProvider = async () => {
  const res = await fetch('/canvas-sync/token', { method: 'POST', headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`token endpoint answered ${res.status}`);
  const { token } = await res.json();
  return token;
};

const describe = {
  'canvas-sync:started': (d) => `${d.dryRun ? 'Preview' : 'Sync'} ${d.resumed ? 'resumed' : 'started'}`,
  'canvas-sync:milestone': (d) => `${d.dryRun ? 'Preview' : 'Sync'} ${d.percent} % done`,
  'canvas-sync:finished': (d) => `${d.dryRun ? 'Preview' : 'Sync'} ${d.status}`,
  'canvas-sync:failed': (d) => `${d.dryRun ? 'Preview' : 'Sync'} failed: ${d.error.code}`,
};
for (const [name, text] of Object.entries(describe)) {
  document.addEventListener(name, (event) => {
    const item = document.createElement('li');
    item.dataset.event = name;
    item.textContent = `${new Date().toLocaleTimeString()} · ${text(event.detail)}`;
    activity.prepend(item);
  });
}
// The host's session itself ended (the token endpoint refused even a fresh one): sign in again.
document.addEventListener('canvas-sync:unauthorized', () => window.location.assign('/'));
