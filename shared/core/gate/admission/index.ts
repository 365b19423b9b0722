export { generateAdmissionPolicy } from './generate';
export {
  AdmissionInputError,
  resolveAdmissionOptions,
  type AdmissionMode,
  type AdmissionOptions,
  type ResolvedAdmissionOptions,
} from './options';
export { POLICY_CONTROLLER_NAMESPACE_LABEL } from './policy-controller';
export { ADMISSION_ENGINES, ENGINE_VERSIONS, type AdmissionEngine } from './versions';
