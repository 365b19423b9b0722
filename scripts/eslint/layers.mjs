// The layers of shared/, innermost first, and which files belong to each (docs/architecture.md is the map).
// A path is matched by its longest prefix here; a file under shared/ that no prefix names is an error, so a
// new folder has to be given a layer on purpose.
export const LAYERS = ['core', 'app', 'adapters', 'entry'];

export const LAYER_OF_PATH = {
  // core: pure. No SDK, no I/O: policy, verdicts, findings, events, signature formats, admission policies.
  'shared/domain/': 'core',
  'shared/policy/': 'core',
  'shared/findings/': 'core',
  'shared/events/': 'core',
  'shared/config/': 'core',
  'shared/alerts/': 'core',
  'shared/signing/payload/': 'core',
  'shared/signing/manifest/': 'core',
  'shared/oci/manifest.ts': 'core',
  'shared/oci/manifest-kind.ts': 'core',
  'shared/oci/media-types.ts': 'core',
  'shared/oci/types.ts': 'core',
  'shared/oci/digest.ts': 'core',
  'shared/oci/errors.ts': 'core',
  'shared/oci/limits.ts': 'core',
  'shared/oci/map-limited.ts': 'core',
  // Names only: the environment contract infra writes and the functions read.
  'shared/runtime/env-contract.ts': 'core',
  'shared/verify/': 'core',
  'shared/gate/admission/': 'core',
  'shared/gate/duration.ts': 'core',
  'shared/gate/errors.ts': 'core',
  'shared/gate/image-reference.ts': 'core',
  'shared/gate/key-reference.ts': 'core',
  'shared/gate/result.ts': 'core',
  'shared/gate/attestation.ts': 'core',
  'shared/gate/bundle-statement.ts': 'core',
  // app: the use cases, reaching the world only through ports.
  'shared/ports/': 'app',
  // The registry port, and the referrers logic that works over it, whatever registry is behind.
  'shared/oci/registry-client.ts': 'app',
  'shared/oci/referrers.ts': 'app',
  'shared/oci/deadline.ts': 'app',
  'shared/push/': 'app',
  'shared/judge/': 'app',
  'shared/signing/': 'app',
  'shared/alerts/dispatch.ts': 'app',
  'shared/alerts/alert-messages.ts': 'app',
  'shared/alerts/index.ts': 'app',
  'shared/verify/read-signatures.ts': 'app',
  'shared/verify/read-attestations.ts': 'app',
  'shared/verify/verify-image.ts': 'app',
  'shared/verify/index.ts': 'app',
  'shared/verify/public-key.ts': 'app',
  'shared/gate/verify-image.ts': 'app',
  // adapters: everything that does I/O.
  'shared/aws/': 'adapters',
  'shared/oci/': 'adapters',
  'shared/runtime/': 'adapters',
  'shared/signing/registry-referrer-attacher.ts': 'adapters',
  'shared/signing/remembering-registry.ts': 'adapters',
  'shared/signing/sigstore-oci-attacher.ts': 'adapters',
  'shared/signing/index.ts': 'adapters',
  'shared/gate/default-deps.ts': 'adapters',
  'shared/gate/docker-config.ts': 'adapters',
  'shared/gate/key-sources.ts': 'adapters',
  'shared/gate/registry-access.ts': 'adapters',
  'shared/gate/public-key-resource.ts': 'adapters',
  // Barrels that also export adapters (the default gate dependencies, the @sigstore/oci attacher).
  'shared/gate/index.ts': 'adapters',
  // entry points: wiring, may import anything.
  'functions/': 'entry',
  'cli/': 'entry',
  'local/': 'entry',
  'infra/': 'entry',
  'bench/': 'entry',
  'test/': 'entry',
  'schemas/': 'entry',
};

/** The layer of a repository-relative path, or undefined outside the map. */
export const layerOf = (relative) => {
  let best;
  for (const prefix of Object.keys(LAYER_OF_PATH)) {
    if (relative.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  return best === undefined ? undefined : LAYER_OF_PATH[best];
};
