import { Tracer } from '@aws-lambda-powertools/tracer';
import { tracingEnabled } from '../../../shared/adapters/runtime/observability';

const LAMBDA = { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x' };

describe('tracingEnabled', () => {
  it.each([
    ['in Lambda', LAMBDA, true],
    ['in Lambda, POWERTOOLS_TRACE_ENABLED=true', { ...LAMBDA, POWERTOOLS_TRACE_ENABLED: 'true' }, true],
    ['in Lambda, POWERTOOLS_TRACE_ENABLED=FALSE', { ...LAMBDA, POWERTOOLS_TRACE_ENABLED: 'FALSE' }, false],
    ['outside Lambda (tests, the local stack)', {}, false],
    ['under SAM local', { ...LAMBDA, AWS_SAM_LOCAL: 'true' }, false],
    ['under the Amplify mock', { AWS_EXECUTION_ENV: 'AWS_Lambda_amplify-mock' }, false],
  ])('agrees with Powertools Tracer %s', (_where, env: NodeJS.ProcessEnv, enabled) => {
    const saved = process.env;
    process.env = { ...env };
    try {
      expect(tracingEnabled(env)).toBe(enabled);
      expect(new Tracer().isTracingEnabled()).toBe(enabled);
    } finally {
      process.env = saved;
    }
  });
});
