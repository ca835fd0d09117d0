import { pino, type Logger, type LoggerOptions } from 'pino';

/**
 * Paths pino blanks out wherever they appear. Canvas access tokens, JWTs and keys must never reach
 * a log line (DESIGN.md, "Tokens stay secret"); these cover the shapes they travel in.
 */
export const REDACT_PATHS = [
  'authorization',
  'Authorization',
  '*.authorization',
  '*.Authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'accessToken',
  '*.accessToken',
  'token',
  '*.token',
  'access_token',
  '*.access_token',
  // OAuth2 (issue 13): refresh tokens and developer-key secrets are credentials too.
  'refreshToken',
  '*.refreshToken',
  'refresh_token',
  '*.refresh_token',
  'clientSecret',
  '*.clientSecret',
  'client_secret',
  '*.client_secret',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'key',
  '*.key',
];

/**
 * Query parameters whose values are credentials (the panel's `?token=` demo link, Canvas's
 * `access_token`, the OAuth callback's `code` and single-use `state`).
 */
const SECRET_QUERY_PARAMS = /^(?:token|access_token|refresh_token|client_secret|jwt|id_token|key|secret|password|code|state)$/i;

/** A request URL with the values of credential-like query parameters replaced, for request logs. */
export function redactUrlQuery(url: string | undefined): string | undefined {
  if (!url || !url.includes('?')) return url;
  const [path, query] = [url.slice(0, url.indexOf('?')), url.slice(url.indexOf('?') + 1)];
  const parts = query.split('&').map((part) => {
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    let decoded = name;
    try {
      decoded = decodeURIComponent(name);
    } catch {
      // A malformed name is kept as it is.
    }
    return eq >= 0 && SECRET_QUERY_PARAMS.test(decoded) ? `${name}=[redacted]` : part;
  });
  return `${path}?${parts.join('&')}`;
}

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/**
 * Fastify's request serializer, with credential query values redacted: fastify logs `req.url` on
 * every request, and a URL can carry a token (`/?token=<JWT>` opens the panel signed in).
 */
function serializeRequest(req: LoggedRequest): Record<string, unknown> {
  return { method: req.method, url: redactUrlQuery(req.url), host: req.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort };
}

/** Options for {@link createLogger}. */
export interface CreateLoggerOptions {
  service: string;
  level?: string;
  pretty?: boolean;
  /** Where lines go; defaults to stdout. Tests pass a stream to capture them. */
  destination?: NodeJS.WritableStream;
}

/** The pino logger every service uses: JSON to stdout, `service` on each line, secrets redacted. */
export function createLogger(options: CreateLoggerOptions): Logger {
  const config: LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: options.service },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    serializers: { err: pino.stdSerializers.err, req: serializeRequest },
  };
  if (options.pretty && !options.destination) {
    return pino({ ...config, transport: { target: 'pino-pretty', options: { colorize: true } } });
  }
  return options.destination ? pino(config, options.destination as pino.DestinationStream) : pino(config);
}

export type { Logger };
