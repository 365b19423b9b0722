export {
  CONFIG_ENV,
  POLICY_FILE_ENV,
  loadSettings,
  resetSettingsCache,
  type RuntimeSettings,
} from './settings';
