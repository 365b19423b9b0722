export { KmsSigner } from './kms-signer';
