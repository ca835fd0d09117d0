const SECRET_PARAMS = /([?&](?:access_token|code|refresh_token|client_secret)=)[^&]*/gi;

/** Logs and stats never carry a token, code or secret, even one a client put in the query string. */
export function redactUrl(url: string): string {
  return url.replace(SECRET_PARAMS, '$1[redacted]');
}
