import type { ResolvedOptions } from '../config/options.js';
import type { TokenRecord, UserRecord } from '../data/model.js';
import type { World } from '../data/world.js';
import type { CanvasAnswer } from './answer.js';
import type { FaultDecision } from './faults.js';
import type { PagingOptions } from './pagination.js';

/** Everything a Canvas route may read; routes are pure functions of it. */
export interface RouteContext {
  world: World;
  user: UserRecord;
  token: TokenRecord;
  /** absolute request URL (origin from the Host header, as Canvas builds its links) */
  url: URL;
  params: Readonly<Record<string, string>>;
  options: ResolvedOptions;
  faults: FaultDecision;
  paging: PagingOptions;
}

export type CanvasRoute = (ctx: RouteContext) => CanvasAnswer;
