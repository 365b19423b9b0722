// The layers of shared/, innermost first, and which files belong to each (docs/architecture.md is the map).
// A path is matched by its longest prefix here; a file under shared/ that no prefix names is an error, so a
// new folder has to be given a layer on purpose.
export const LAYERS = ['core', 'app', 'adapters', 'entry'];

export const LAYER_OF_PATH = {
  // core: pure. No SDK, no I/O: policy, verdicts, findings, events, signature formats, admission policies.
  'shared/core/': 'core',
  // app: the use cases, reaching the world only through ports.
  'shared/app/': 'app',
  // adapters: everything that does I/O.
  'shared/adapters/': 'adapters',
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
