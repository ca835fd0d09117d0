/**
 * The host a developer key is registered for, as the api keys them: lowercase, `:port` only when
 * not 80/443, no scheme (a URL typed without one is https, as on save). `null` when not a URL.
 */
export function canvasHostOf(typed: string): string | null {
  const text = typed.trim();
  if (text === '') return null;
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    return url.host.toLowerCase().replace(/:(80|443)$/, '').replace(/\.$/, '');
  } catch {
    return null;
  }
}

/** Whether "Connect with Canvas" can be offered for what the user typed. */
export function hasDeveloperKey(hosts: readonly string[], typed: string): boolean {
  const host = canvasHostOf(typed);
  return host !== null && hosts.includes(host);
}
