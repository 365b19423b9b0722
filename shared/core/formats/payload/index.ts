export { SIMPLE_SIGNING_TYPE, simpleSigningPayload, type SimpleSigningOptional } from './simple-signing';
export {
  COSIGN_SIGN_PREDICATE,
  COSIGN_VULN_PREDICATE,
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_V1,
  inTotoStatement,
  statementBytes,
  type InTotoStatement,
} from './statement';
export { TOLLGATE_BUILDER_ID, vulnPredicate, type VulnPredicate, type VulnResult } from './vuln-predicate';
