// The fake KMS is one of the shared test doubles now; this path stays for the integration tests that import it.
export {
  localKms,
  signDigestP256,
  TEST_KEY_ARN,
  type LocalKms,
  type LocalKmsOptions,
} from '../../doubles/kms';
