export {
  configSchema,
  SIGNATURE_FORMATS,
  type SignatureFormat,
  type TollgateConfig,
  type TollgateConfigInput,
} from './schema';
export { parseConfig, validateConfig } from './parse';
export { organizationSchema, type OrganizationConfig } from './organization';
