// The dependency rule of DESIGN.md §3, enforced on every import:
//   core/     imports nothing of the project and no vendor package (big.js, a pure value type, excepted);
//   services  import core/ and their own folder only, and no I/O client library;
//   adapters/ import core/ (and their own folder);
//   app/      is the only importer of adapters/ and composes everything.
import tseslint from 'typescript-eslint';

const SERVICES = ['feed-ingest', 'odds-engine', 'bet-acceptor', 'push-gateway', 'settlement', 'fixtures', 'analytics'];
const IO_CLIENTS = ['kafkajs', 'ioredis', 'pg', 'amqplib', '@clickhouse/client', 'mqtt', 'aedes', 'socket.io-redis', '@socket.io/redis-adapter'];
const otherTopFolders = (own) =>
  ['core', 'adapters', 'app', 'bench', 'test', 'web', ...SERVICES].filter((f) => f !== own);

const forbidFolders = (own, folders) =>
  folders.map((f) => ({ regex: `^(\\.\\./)+${f}(/|$)`, message: `${own}/ may not import ${f}/.` }));

const restrict = (patterns, paths = []) => ({
  'no-restricted-imports': ['error', { patterns, paths }],
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'web/dist/**', '.services/**', 'test-artifacts/**'] },
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: restrict([
      ...forbidFolders('core', otherTopFolders('core')),
      { regex: '^(?!\\.|node:|big\\.js$)', message: 'core/ imports no vendor package (big.js excepted).' },
      { regex: '^node:(fs|net|http|https|child_process|dgram|tls|worker_threads)', message: 'core/ does no I/O.' },
    ]),
  },
  ...SERVICES.map((svc) => ({
    files: [`${svc}/**/*.ts`],
    rules: restrict([
      ...forbidFolders(svc, otherTopFolders(svc).filter((f) => f !== 'core')),
      { group: IO_CLIENTS, message: 'I/O clients belong in adapters/.' },
    ]),
  })),
  {
    files: ['adapters/**/*.ts'],
    rules: restrict(forbidFolders('adapters', ['app', 'bench', 'test', 'web', ...SERVICES])),
  },
);
