export {
  CONFIG_ENV,
  POLICY_FILE_ENV,
  loadSettings,
  resetSettingsCache,
  type RuntimeSettings,
} from './settings';
export { observability, type Observability } from './observability';
export { requireEnv } from './env';
