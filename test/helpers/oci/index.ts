export { localKms, signDigestP256, TEST_KEY_ARN, type LocalKms } from './local-kms';
export { pushTestImage, pushTestIndex, type PushedImage } from './test-image';
export { startTestRegistry, type TestRegistry } from './test-registry';
