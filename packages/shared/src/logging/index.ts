export { createLogger, REDACT_PATHS, type CreateLoggerOptions, type Logger } from './logger.js';
