import { registryGoRuntime } from '../../../local/registry';

describe('registryGoRuntime: the local registry collects garbage less often, unless told otherwise', () => {
  it('sets GOGC and GOMEMLIMIT when the environment does not', () => {
    expect(registryGoRuntime({})).toEqual({ GOGC: '400', GOMEMLIMIT: '256MiB' });
  });

  it('leaves what the environment sets to the environment', () => {
    expect(registryGoRuntime({ GOGC: '100' })).toEqual({ GOMEMLIMIT: '256MiB' });
    expect(registryGoRuntime({ GOGC: 'off', GOMEMLIMIT: '1GiB' })).toEqual({});
  });
});
