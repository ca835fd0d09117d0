export { loadConfig, type Env } from './load-config.js';
export { baseEnvSchema, envBoolean, envInt, envOptionalUrl, metricsPortEnvSchema, redactUrl, toBaseConfig, type BaseConfig } from './env-schemas.js';
export {
  addConfigProblems,
  deploymentEnvSchema,
  deploymentOf,
  developmentDefaultProblems,
  type ConfigProblem,
  type Deployment,
  type DevelopmentDefault,
} from './deployment.js';
export { envSecret, envSecretWith, normalizeSecret, readSecretFile, secretProblems, type SecretRule } from './secrets.js';
