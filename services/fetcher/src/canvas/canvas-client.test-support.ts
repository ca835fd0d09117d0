import { pino } from 'pino';
import { HostBreakers } from '../breaker/host-breakers.js';
import type { TokenBudget } from '../budget/token-budget.js';
import { CanvasClient, type CanvasClientOptions } from './canvas.client.js';

/** A budget that grants every request at once and forgets its releases. */
export const unlimitedBudget: TokenBudget = {
  acquire: async (tokenKey) => ({ tokenKey, id: 'lease', grantedAt: 0 }),
  release: async () => undefined,
};

/**
 * A CanvasClient for unit tests: no budget limit, fresh breakers, a silent logger, 5 s per
 * request, no retries of outages or throttles, any public host; `options` replace any of these.
 */
export function testCanvasClient(options: Partial<CanvasClientOptions> = {}): CanvasClient {
  return new CanvasClient({
    budget: unlimitedBudget,
    breakers: new HostBreakers(),
    logger: pino({ level: 'silent' }),
    userAgent: 'test',
    timeoutMs: 5_000,
    maxUnavailableRetries: 0,
    maxThrottleRetries: 0,
    policy: { allowedHosts: ['*'], allowPrivateNetwork: false },
    ...options,
  });
}
