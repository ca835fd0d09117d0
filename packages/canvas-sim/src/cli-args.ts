import { parseArgs } from 'node:util';
import type { EndpointLatency, SimLatency, SimOptions, SimUserSpec } from './api.types.js';
import { REALISTIC_LATENCY } from './config/options.js';
import { isProfile } from './config/profiles.js';
import type { SimFaults } from './faults.types.js';
import type { SimHostileTuning } from './hostile.types.js';
import type { SimOAuthClient } from './oauth.types.js';

export interface CliRequest {
  help: boolean;
  /** Exit when stdin ends: the parent's end (even a SIGKILL) closes the pipe. */
  exitWithStdin: boolean;
  options: SimOptions;
  faults: SimFaults | null;
}

export const USAGE = `Usage: canvas-sim [flags]

  --port N                    listen port (0 = any free port; default 0)
  --host H                    bind address (default 127.0.0.1)
  --seed N                    data seed (default 42)
  --profile P                 tiny | student | teacher | heavy (default student)
  --users LIST                several users: profiles "student,teacher,tiny" or a JSON array of SimUserSpec
  --courses N                 courses per user (overrides the profile)
  --assignments-per-course N  exact assignments per course (overrides the profile)
  --latency-base MS           fixed latency per request (default 40)
  --latency-per-item MS       latency per row served (default 0.3)
  --latency-jitter MS         random extra latency, seeded (default 10)
  --no-latency                all latency 0
  --realistic-latency         Canvas's slow calls: a course's assignment_groups 0.3 s + 2 ms/row + up to 0.5 s
  --latency JSON              a whole SimLatency (endpoints, jitterBy), e.g. the bench's presets
  --content-cache-size N      courses whose generated content stays in memory (default 64)
  --no-throttle               never throttle (headers still sent)
  --throttle-hwm N            high-water mark (default 600)
  --throttle-max N            bucket maximum (default 800)
  --throttle-leak N           leak per second (default 10)
  --throttle-upfront N        up-front cost per request (default 50)
  --throttle-status 403|429   status of a throttled answer (default 403)
  --throttle-cost-per-item N  cost per row of work (default 0.01)
  --throttle-base-cost N      cost per request (default 0.05)
  --drop-last-link            never send rel="last"
  --lowercase-headers         send header names in lowercase
  --shift-rows                rows shift by one between ordinal page fetches
  --oauth-client ID:SECRET    an OAuth developer key (repeatable); the secret is everything after the first ':'
  --access-token-ttl S        OAuth access-token lifetime, expires_in (default 3600)
  --oauth-code-ttl S          authorization-code lifetime (default 600)
  --oauth-auto-approve        /login/oauth2/auth redirects with a code at once (no consent page)
  --hostile-tuning JSON       sizes of hostile answers (SimHostileTuning); hostile users come from --users JSON
  --faults JSON               initial faults (SimFaults), e.g. '{"serverErrorRate":0.05}'
  --log                       log requests to stderr
  --exit-with-stdin           exit when stdin ends (a parent that pipes stdin takes the sim down with it)
  --help                      this text

The first stdout line is {"port":N,"users":[{"id","name","token"}]}; logs go to stderr.
Control API: http://HOST:PORT/__sim/… (see README).
`;

export function parseCliArgs(argv: string[]): CliRequest {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string' }, host: { type: 'string' }, seed: { type: 'string' }, profile: { type: 'string' },
      users: { type: 'string' }, courses: { type: 'string' }, 'assignments-per-course': { type: 'string' },
      'latency-base': { type: 'string' }, 'latency-per-item': { type: 'string' }, 'latency-jitter': { type: 'string' },
      'no-latency': { type: 'boolean' }, 'realistic-latency': { type: 'boolean' }, latency: { type: 'string' }, 'no-throttle': { type: 'boolean' },
      'content-cache-size': { type: 'string' }, 'exit-with-stdin': { type: 'boolean' },
      'throttle-hwm': { type: 'string' }, 'throttle-max': { type: 'string' }, 'throttle-leak': { type: 'string' },
      'throttle-upfront': { type: 'string' }, 'throttle-status': { type: 'string' },
      'throttle-cost-per-item': { type: 'string' }, 'throttle-base-cost': { type: 'string' },
      'drop-last-link': { type: 'boolean' }, 'lowercase-headers': { type: 'boolean' }, 'shift-rows': { type: 'boolean' },
      'oauth-client': { type: 'string', multiple: true }, 'access-token-ttl': { type: 'string' },
      'oauth-code-ttl': { type: 'string' }, 'hostile-tuning': { type: 'string' }, 'oauth-auto-approve': { type: 'boolean' },
      faults: { type: 'string' }, log: { type: 'boolean' }, help: { type: 'boolean' },
    },
  });
  const num = (name: string, raw: string | undefined): number | undefined => {
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new Error(`--${name} must be a number, got ${raw}`);
    return value;
  };
  const options: SimOptions = {};
  const set = <K extends keyof SimOptions>(key: K, value: SimOptions[K] | undefined): void => {
    if (value !== undefined) options[key] = value;
  };
  set('port', num('port', values.port));
  set('host', values.host);
  set('seed', num('seed', values.seed));
  if (values.profile !== undefined) {
    if (!isProfile(values.profile)) throw new Error(`--profile must be tiny, student, teacher or heavy, got ${values.profile}`);
    options.profile = values.profile;
  }
  const users = parseUsers(values.users, options.profile);
  const courses = num('courses', values.courses);
  const perCourse = num('assignments-per-course', values['assignments-per-course']);
  if (users || courses !== undefined || perCourse !== undefined) {
    options.users = (users ?? [{ profile: options.profile ?? 'student' }]).map((u) => ({
      ...u,
      ...(courses === undefined ? {} : { courses }),
      ...(perCourse === undefined ? {} : { assignmentsPerCourse: perCourse }),
    }));
  }
  const latencyFlags = ['no-latency', 'realistic-latency', 'latency'].filter((f) => values[f as 'latency'] !== undefined);
  if (latencyFlags.length > 1) throw new Error(`--${latencyFlags.join(', --')}: choose one`);
  if (values.latency !== undefined) options.latency = parseLatency(values.latency);
  else if (values['no-latency']) options.latency = { baseMs: 0, perItemMs: 0, jitterMs: 0 };
  else if (values['realistic-latency']) options.latency = REALISTIC_LATENCY;
  else if (values['latency-base'] !== undefined || values['latency-per-item'] !== undefined || values['latency-jitter'] !== undefined) {
    options.latency = {
      baseMs: num('latency-base', values['latency-base']) ?? 40,
      perItemMs: num('latency-per-item', values['latency-per-item']) ?? 0.3,
      jitterMs: num('latency-jitter', values['latency-jitter']) ?? 10,
    };
  }
  const status = num('throttle-status', values['throttle-status']);
  if (status !== undefined && status !== 403 && status !== 429) throw new Error('--throttle-status must be 403 or 429');
  const throttle = Object.fromEntries(
    Object.entries({
      enabled: values['no-throttle'] ? false : undefined,
      highWaterMark: num('throttle-hwm', values['throttle-hwm']),
      maximum: num('throttle-max', values['throttle-max']),
      leakPerSecond: num('throttle-leak', values['throttle-leak']),
      upfrontCost: num('throttle-upfront', values['throttle-upfront']),
      status,
      costPerItem: num('throttle-cost-per-item', values['throttle-cost-per-item']),
      baseCost: num('throttle-base-cost', values['throttle-base-cost']),
    }).filter(([, v]) => v !== undefined),
  );
  if (Object.keys(throttle).length > 0) options.throttle = throttle;
  set('dropLastLink', values['drop-last-link']);
  set('lowercaseHeaders', values['lowercase-headers']);
  set('shiftRows', values['shift-rows']);
  set('logger', values.log);
  const cacheSize = num('content-cache-size', values['content-cache-size']);
  if (cacheSize !== undefined && !(Number.isInteger(cacheSize) && cacheSize > 0)) throw new Error(`--content-cache-size must be a positive integer, got ${cacheSize}`);
  set('contentCacheSize', cacheSize);
  if (values['oauth-client']) options.oauthClients = values['oauth-client'].map(parseOAuthClient);
  set('accessTokenTtlSeconds', num('access-token-ttl', values['access-token-ttl']));
  set('authorizationCodeTtlSeconds', num('oauth-code-ttl', values['oauth-code-ttl']));
  set('oauthAutoApprove', values['oauth-auto-approve']);
  if (values['hostile-tuning'] !== undefined) options.hostileTuning = JSON.parse(values['hostile-tuning']) as SimHostileTuning;
  const faults = values.faults === undefined ? null : (JSON.parse(values.faults) as SimFaults);
  return { help: values.help === true, exitWithStdin: values['exit-with-stdin'] === true, options, faults };
}

function parseUsers(raw: string | undefined, fallback: SimOptions['profile']): SimUserSpec[] | null {
  if (raw === undefined) return null;
  if (raw.trim().startsWith('[')) return JSON.parse(raw) as SimUserSpec[];
  return raw.split(',').map((name) => {
    const profile = name.trim() || fallback || 'student';
    if (!isProfile(profile)) throw new Error(`--users: unknown profile ${profile}`);
    return { profile };
  });
}

/** A whole `SimLatency` as JSON: the shape is checked here, so a typo fails at start, not as a silent default. */
function parseLatency(raw: string): SimLatency {
  const value = JSON.parse(raw) as unknown;
  const isTiming = (v: unknown): boolean => typeof v === 'object' && v !== null && typeof (v as EndpointLatency).baseMs === 'number' && typeof (v as EndpointLatency).perItemMs === 'number';
  if (!isTiming(value)) throw new Error('--latency must be a JSON SimLatency with numbers baseMs and perItemMs');
  const latency = value as SimLatency;
  if (latency.endpoints !== undefined && !Object.values(latency.endpoints).every(isTiming)) throw new Error('--latency: every endpoint needs numbers baseMs and perItemMs');
  if (latency.jitterBy !== undefined && latency.jitterBy !== 'request' && latency.jitterBy !== 'path') throw new Error('--latency: jitterBy must be request or path');
  return latency;
}

function parseOAuthClient(raw: string): SimOAuthClient {
  const colon = raw.indexOf(':');
  if (colon <= 0 || colon === raw.length - 1) throw new Error('--oauth-client must be ID:SECRET');
  return { clientId: raw.slice(0, colon), clientSecret: raw.slice(colon + 1) };
}
