import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { AppError, ERROR_CODES, isErrorCode } from '../../../core/errors.ts';

test('every error code is documented with an HTTP status and a sentence', () => {
  for (const [code, entry] of Object.entries(ERROR_CODES)) {
    assert.match(code, /^[A-Z][A-Z0-9_]+$/, `${code} is UPPER_SNAKE`);
    assert.ok(entry.status >= 400 && entry.status < 600, `${code} has a 4xx/5xx status`);
    assert.ok(entry.doc.length > 10 && entry.doc.endsWith('.'), `${code} has a doc sentence`);
  }
});

test('codes are unique and the README lists each one', () => {
  const source = readFileSync(new URL('../../../core/errors.ts', import.meta.url), 'utf8');
  const declared = [...source.matchAll(/^\s+([A-Z][A-Z0-9_]+): \{ status/gm)].map((m) => m[1]);
  assert.equal(new Set(declared).size, declared.length, 'no code declared twice');
  assert.equal(declared.length, Object.keys(ERROR_CODES).length);
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  for (const code of declared) assert.ok(readme.includes(`\`${code}\``), `README documents ${code}`);
});

test('AppError carries code, retriable default from the registry, cause and status', () => {
  const cause = new Error('socket hang up');
  const e = new AppError('DEPENDENCY_UNAVAILABLE', 'redis down', { cause });
  assert.equal(e.code, 'DEPENDENCY_UNAVAILABLE');
  assert.equal(e.retriable, true);
  assert.equal(e.cause, cause);
  assert.equal(e.status, 503);
  assert.equal(new AppError('INVALID_REQUEST', 'x').retriable, false);
  assert.equal(isErrorCode('PRICE_CHANGED'), true);
  assert.equal(isErrorCode('NOPE'), false);
});
