export { childTraceparent, newTraceparent, traceIdOf } from './traceparent.js';
