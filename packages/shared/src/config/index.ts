export { loadConfig, type Env } from './load-config.js';
export { baseEnvSchema, envBoolean, envInt, redactUrl, toBaseConfig, type BaseConfig } from './env-schemas.js';
