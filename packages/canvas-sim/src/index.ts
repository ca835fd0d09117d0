export { startCanvasSim } from './sim.js';
export type {
  CanvasSim,
  EndpointLatency,
  GroundTruth,
  SimLatency,
  SimOptions,
  SimProfile,
  SimRole,
  SimSummary,
  SimThrottle,
  SimUser,
  SimUserSpec,
} from './api.types.js';
export type { SimMutation, SimMutationOp } from './mutation.types.js';
export type { SimFaults, SimFaultSpec } from './faults.types.js';
export type { SimHostileKind, SimHostileTuning } from './hostile.types.js';
export { HOSTILE_KINDS } from './hostile.types.js';
export { HOSTILE_ENDPOINTS } from './hostile/hostile.answer.js';
export type { SimOAuthClient, SimOAuthCounters, SimOAuthStats } from './oauth.types.js';
export type { SimBucketSample, SimStats, SimTokenStats } from './stats.types.js';
export type { SimCounts } from './control/sim-control.js';
export { SimInputError } from './sim-errors.js';
export { DEFAULT_HOSTILE_TUNING, DEFAULT_LATENCY, DEFAULT_THROTTLE, REALISTIC_LATENCY } from './config/options.js';
export { PROFILE_SIZES, PROFILES } from './config/profiles.js';
