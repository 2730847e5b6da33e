import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderReadme } from '../../../scripts/readme-tables.ts';

test('the README tables of settings and error codes match their sources (npm run -s docs)', () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  assert.equal(readme, renderReadme(readme));
});

test('the README shows exactly the two set-up commands', () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const setup = readme.slice(readme.indexOf('## Set up'), readme.indexOf('\n## ', readme.indexOf('## Set up') + 5));
  const commands = [...setup.matchAll(/```sh\n([^`]+)```/g)].map((m) => m[1]!.trim());
  assert.deepEqual(commands, ['npm ci && npm start', 'npm ci && npm test']);
});
