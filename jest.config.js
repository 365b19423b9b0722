// Three projects so CI and developers can run the fast, network-free unit tests on their own.
const transform = {
  '^.+\\.(t|j)sx?$': [
    '@swc/jest',
    { jsc: { target: 'es2023', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
  ],
};
// These packages are published as ESM only (@middy/core, and the proxy agents that
// @sigstore/sign reaches through make-fetch-happen). Node 24 loads them natively, but jest
// runs CommonJS, so they are transpiled like our own code.
const ESM_ONLY = [
  '@noble',
  '@middy',
  'agent-base',
  'http-proxy-agent',
  'https-proxy-agent',
  'socks-proxy-agent',
  'proxy-agent-negotiate',
];
const transformIgnorePatterns = [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`];
const base = {
  // @middy/core 7 exports only an `import` condition, which jest's CommonJS resolver does not take.
  moduleNameMapper: { '^@middy/(core|util)$': '<rootDir>/node_modules/@middy/$1/index.js' },
  transform,
  transformIgnorePatterns,
  testEnvironment: 'node',
  setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts', '<rootDir>/test/e2e/**/*.test.ts'],
    },
    { ...base, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
    // The local stack under injected faults (docs/reliability.md): RELIABILITY_IMAGES sets the count.
    { ...base, displayName: 'reliability', testMatch: ['<rootDir>/test/reliability/**/*.test.ts'] },
  ],
};
