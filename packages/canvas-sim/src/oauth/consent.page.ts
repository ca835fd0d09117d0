/** Canvas's consent and error pages, reduced to what a browser test clicks: plain forms, no script. */

export interface ConsentFields {
  clientId: string;
  redirectUri: string;
  state: string | null;
  scope: string | null;
  userId: number;
}

export function consentPage(appName: string, userName: string, purpose: string | null, fields: ConsentFields): string {
  const hidden = [
    ['client_id', fields.clientId],
    ['redirect_uri', fields.redirectUri],
    ['user_id', String(fields.userId)],
    ...(fields.state === null ? [] : [['state', fields.state]]),
    ...(fields.scope === null ? [] : [['scope', fields.scope]]),
  ]
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name ?? '')}" value="${escapeHtml(value ?? '')}">`)
    .join('');
  return page(
    'Authorize application',
    `<h1>${escapeHtml(appName)} is requesting access to your account</h1>
<p>You are signed in to Canvas as <strong id="user-name">${escapeHtml(userName)}</strong>.</p>
${purpose ? `<p>Purpose: ${escapeHtml(purpose)}</p>` : ''}
<form method="post" action="/login/oauth2/accept">${hidden}<button type="submit">Authorize</button></form>
<form method="post" action="/login/oauth2/deny">${hidden}<button type="submit">Cancel</button></form>`,
  );
}

export function errorPage(message: string): string {
  return page('Authorization error', `<h1>Authorization error</h1>\n<p id="error">${escapeHtml(message)}</p>`);
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${title}</title></head>\n<body>\n${body}\n</body></html>\n`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
