import { z } from 'zod';

/**
 * `DEMO` and `NODE_ENV`, read by every service that holds a secret. `DEMO=1` is `npm start`'s demo;
 * `DEMO=0` or `NODE_ENV=production` (the image sets it) is a real deployment; unset is the local
 * default, which behaves like the demo but warns.
 */
export const deploymentEnvSchema = z.object({
  DEMO: z.enum(['1', '0', 'true', 'false', 'yes', 'no', '']).optional(),
  NODE_ENV: z.string().optional(),
});

/** Where a service runs, as `DEMO` and `NODE_ENV` say. */
export interface Deployment {
  /** DEMO=0 or NODE_ENV=production: public development defaults are refused. */
  production: boolean;
  /** DEMO=1: demo conveniences (e.g. private Canvas addresses) are on by default. */
  demo: boolean;
}

/** Reads {@link Deployment} from the parsed `DEMO` / `NODE_ENV`. */
export function deploymentOf(env: { DEMO?: string | undefined; NODE_ENV?: string | undefined }): Deployment {
  const demo = env.DEMO === '1' || env.DEMO === 'true' || env.DEMO === 'yes';
  const demoOff = env.DEMO === '0' || env.DEMO === 'false' || env.DEMO === 'no';
  return { production: demoOff || env.NODE_ENV === 'production', demo };
}

/** A public development default (secret or key) a service may fall back to. */
export interface DevelopmentDefault {
  /** The variable that replaces it. */
  variable: string;
  /** What it is, for the message ("JWT secret", "token encryption key"). */
  what: string;
  /** True when the service would run on it (unset, or set to the public value). */
  inUse: boolean;
}

/** One problem in a configuration, as the config loader lists it. */
export interface ConfigProblem {
  variable: string;
  message: string;
}

/**
 * The one rule for development defaults, shared by api, fetcher and notifier: in production
 * every public development secret or key in use is a config error (the demo only warns).
 */
export function developmentDefaultProblems(deployment: Deployment, defaults: readonly DevelopmentDefault[]): ConfigProblem[] {
  if (!deployment.production) return [];
  return defaults
    .filter((d) => d.inUse)
    .map((d) => ({ variable: d.variable, message: `is required when DEMO=0 or NODE_ENV=production: the public development ${d.what} is refused (it is printed in the docs)` }));
}

/** Adds config problems to a zod refinement, each under its variable. */
export function addConfigProblems(ctx: z.RefinementCtx, problems: readonly ConfigProblem[]): void {
  for (const p of problems) ctx.addIssue({ code: 'custom', path: [p.variable], message: p.message });
}
