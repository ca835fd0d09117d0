import { isAppError } from '../errors/index.js';
import { createLogger } from '../logging/index.js';

/**
 * Runs a service's start function; if start-up fails (bad config, unreachable broker), logs one
 * fatal line that says why — for config, every bad variable — and exits 1.
 */
export function runMain(service: string, start: () => Promise<void>): void {
  start().catch((err: unknown) => {
    const logger = createLogger({ service });
    if (isAppError(err)) logger.fatal({ code: err.code, details: err.details }, err.message);
    else logger.fatal({ err }, 'start-up failed');
    // Let pino flush its line before the process ends.
    setTimeout(() => process.exit(1), 50);
  });
}
