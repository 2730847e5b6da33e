import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Big, bigToMinor, fromMinor, minorToBig, toMinor } from '../../../core/money.ts';
import { eventId, isEventId, parseUrn } from '../../../core/ids.ts';
import { isAppError } from '../../../core/errors.ts';

test('decimal strings to minor units and back, exactly', () => {
  assert.equal(toMinor('12.50'), 1250n);
  assert.equal(toMinor('12.5'), 1250n);
  assert.equal(toMinor('0'), 0n);
  assert.equal(toMinor('1000', 'JPY'), 1000n);
  assert.equal(fromMinor(1250n), '12.50');
  assert.equal(fromMinor(5n), '0.05');
  assert.equal(fromMinor(-5n), '-0.05');
  assert.equal(fromMinor(7n, 'JPY'), '7');
});

test('rejects amounts that are not plain decimals or have too many decimals', () => {
  for (const bad of ['', '-1', '1e3', '1.234', '01', ' 1', '1.', '.5', 'NaN', '0x10']) {
    assert.throws(() => toMinor(bad), (e) => isAppError(e) && e.code === 'INVALID_REQUEST', bad);
  }
});

test('payout rounding is down to the minor unit', () => {
  assert.equal(bigToMinor(new Big('10').times('1.333')), 1333n);
  assert.equal(bigToMinor(new Big('3.339')), 333n);
  assert.equal(bigToMinor(minorToBig(1999n).times('2.05')), 4097n); // 19.99 × 2.05 = 40.9795
});

test('minor → string → minor is the identity (property)', () => {
  fc.assert(fc.property(fc.bigInt({ min: 0n, max: 10n ** 15n }), (m) => assert.equal(toMinor(fromMinor(m)), m)));
});

test('event URNs', () => {
  assert.deepEqual(parseUrn('sr:match:123'), { prefix: 'sr', type: 'match', id: '123' });
  assert.equal(isEventId('sr:simple_tournament:9'), true);
  assert.equal(isEventId('match:1'), false);
  assert.equal(isEventId('sr:match:'), false);
  assert.throws(() => eventId('sr:match:abc'), (e) => isAppError(e) && e.code === 'FEED_INVALID_VALUE');
});
