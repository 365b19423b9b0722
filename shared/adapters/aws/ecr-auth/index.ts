export { EcrCredentials } from './ecr-credentials';
