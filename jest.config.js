// One Jest run, three projects: unit (*.spec.ts), integration (*.integration-spec.ts) against
// the machine's PostgreSQL, NATS and Dovecot, and e2e (the four services as processes).
const { readFileSync } = require('node:fs');
const swc = JSON.parse(readFileSync(`${__dirname}/.swcrc`, 'utf8'));
delete swc.$schema;
swc.sourceMaps = 'inline';

const paths = require('./tsconfig.base.json').compilerOptions.paths;
const moduleNameMapper = Object.fromEntries(
  Object.entries(paths).map(([alias, [target]]) => [`^${alias.replace('/', '\\/')}$`, `<rootDir>/${target}`]),
);

const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)s$': ['@swc/jest', swc] },
  moduleNameMapper,
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/.run/'],
  // htmlparser2 12 (under sanitize-html) and its dom* deps ship as ES modules only: transform them.
  transformIgnorePatterns: ['/node_modules/(?!(?:.*/node_modules/)?(?:htmlparser2|domhandler|domutils|dom-serializer|domelementtype|entities)/)'],
};

module.exports = {
  // testTimeout is a global option: the integration and e2e tests wait on real servers.
  testTimeout: 180_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,tools,deploy}/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs,tools}/**/*.integration-spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/e2e/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
    },
  ],
};
