import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const pureBans = ['@nestjs/*', 'typeorm', 'pg', 'nats', 'nodemailer', 'imapflow', 'mailparser', 'smtp-server', 'node-pop3'];

/** Which projects may depend on which (Nx tags); tests may also use type:testing. */
function boundaries(forTests) {
  const t = forTests ? ['type:testing'] : [];
  return {
    enforceBuildableLibDependency: false,
    allow: [],
    depConstraints: [
      { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:util', 'type:data-access', 'type:feature', ...t] },
      { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain'], bannedExternalImports: pureBans },
      { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:domain'], bannedExternalImports: pureBans },
      { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', ...t] },
      { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:util', 'type:data-access', ...t] },
      { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:util', 'type:data-access'] },
      { sourceTag: 'scope:config', onlyDependOnLibsWithTags: ['scope:config', 'scope:shared'] },
      { sourceTag: 'scope:incoming', onlyDependOnLibsWithTags: ['scope:incoming', 'scope:shared'] },
      { sourceTag: 'scope:outgoing', onlyDependOnLibsWithTags: ['scope:outgoing', 'scope:shared'] },
      { sourceTag: 'scope:crm-sync', onlyDependOnLibsWithTags: ['scope:crm-sync', 'scope:shared'] },
      { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
    ],
  };
}

export default [
  { ignores: ['**/node_modules/**', 'dist/**', '.run/**', '.nx/**', 'coverage/**', 'tools/cli/**/*.js'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // One alias per lib, pointing at its index: no deep imports into another lib.
      'no-restricted-imports': ['error', { patterns: [{ group: ['@mailrouter/*/*'], message: 'Import a lib through its index (@mailrouter/<lib>).' }] }],
      '@nx/enforce-module-boundaries': ['error', boundaries(false)],
    },
  },
  {
    // An app's src/testing/ holds harnesses only its tests import: test code too.
    files: ['**/*.spec.ts', '**/*.integration-spec.ts', '**/*.e2e-spec.ts', 'apps/*/src/testing/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Tests of any project may use the testing lib.
      '@nx/enforce-module-boundaries': ['error', boundaries(true)],
    },
  },
];
