/**
 * Writes the README's generated tables (configuration settings, error codes) from their single
 * sources, app/config.ts and core/errors.ts. `npm run -s docs` rewrites them; the test suite
 * fails when the README is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describeSettings } from '../app/config.ts';
import { ERROR_CODES } from '../core/errors.ts';

const README = new URL('../README.md', import.meta.url);

const cell = (text: string) => text.replace(/\|/g, '\\|');

export function configTable(): string {
  const rows = describeSettings().map((s) => `| \`${s.env}\` | \`${cell(s.default) || '(empty)'}\` | ${cell(s.doc)} |`);
  return ['| Variable | Default | Meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

export function errorTable(): string {
  const rows = Object.entries(ERROR_CODES).map(([code, e]) => `| \`${code}\` | ${e.status} | ${e.retriable ? 'yes' : 'no'} | ${cell(e.doc)} |`);
  return ['| Code | HTTP | Retriable | Meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

export function renderReadme(readme: string): string {
  return replaceBetween(replaceBetween(readme, 'config', configTable()), 'errors', errorTable());
}

function replaceBetween(text: string, name: string, body: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`README.md lacks the ${start} … ${end} markers`);
  return `${text.slice(0, i + start.length)}\n${body}\n${text.slice(j)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const current = readFileSync(README, 'utf8');
  const next = renderReadme(current);
  if (next !== current) writeFileSync(README, next);
  console.log(next === current ? 'README.md tables are up to date' : 'README.md tables rewritten');
}
