import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalSpecifiers, marketKey, outcomeKey, parseMarketKey, parseSpecifiers } from '../../../core/market-key.ts';

test('specifiers are sorted by name whatever order the provider used', () => {
  assert.equal(canonicalSpecifiers('total=2.5|hcp=0:1'), 'hcp=0:1|total=2.5');
  assert.equal(canonicalSpecifiers('hcp=0:1|total=2.5'), 'hcp=0:1|total=2.5');
  assert.equal(canonicalSpecifiers(''), '');
  assert.equal(canonicalSpecifiers(undefined), '');
  assert.equal(canonicalSpecifiers({ variant: 'sr:exact_games:bestof:3', total: '9.5' }), 'total=9.5|variant=sr:exact_games:bestof:3');
});

test('market keys: id alone, or id/canonical specifiers; they parse back', () => {
  assert.equal(marketKey(1), '1');
  assert.equal(marketKey(18, 'total=2.5'), '18/total=2.5');
  assert.equal(marketKey(16, 'hcp=-1.5|x=1'), marketKey(16, 'x=1|hcp=-1.5'));
  assert.deepEqual(parseMarketKey('18/total=2.5'), { marketId: 18, specifiers: { total: '2.5' } });
  assert.deepEqual(parseMarketKey('1'), { marketId: 1, specifiers: {} });
  assert.equal(outcomeKey('sr:match:1', '18/total=2.5', '12'), 'sr:match:1#18/total=2.5#12');
});

test('tolerates junk separators in specifiers', () => {
  assert.deepEqual(parseSpecifiers('|total=2.5||=x|novalue|'), { total: '2.5' });
});

test('canonical form is independent of order (property)', () => {
  const name = fc.stringMatching(/^[a-z]{1,6}$/);
  const value = fc.stringMatching(/^[0-9.:a-z-]{1,6}$/);
  fc.assert(
    fc.property(fc.uniqueArray(fc.tuple(name, value), { selector: (t) => t[0], maxLength: 5 }), (pairs) => {
      const forward = pairs.map(([k, v]) => `${k}=${v}`).join('|');
      const backward = [...pairs].reverse().map(([k, v]) => `${k}=${v}`).join('|');
      assert.equal(canonicalSpecifiers(forward), canonicalSpecifiers(backward));
      assert.equal(canonicalSpecifiers(canonicalSpecifiers(forward)), canonicalSpecifiers(forward));
    }),
  );
});

test('a single pair sent in canonical form comes back as it was; anything else is parsed', () => {
  assert.equal(canonicalSpecifiers('total=2.5'), 'total=2.5');
  assert.equal(canonicalSpecifiers('variant=sr:exact_games:bestof:5'), 'variant=sr:exact_games:bestof:5');
  assert.equal(canonicalSpecifiers('a=b=c'), 'a=b=c');
  assert.equal(canonicalSpecifiers('total='), 'total=');
  assert.equal(canonicalSpecifiers(' total=2.5'), 'total=2.5');
  assert.equal(canonicalSpecifiers('total = 2.5'), 'total=2.5');
  assert.equal(canonicalSpecifiers('total=2.5\u00a0'), 'total=2.5');
  assert.equal(canonicalSpecifiers('=2.5'), '');
  assert.equal(canonicalSpecifiers('novalue'), '');
  assert.equal(canonicalSpecifiers('__proto__=1'), '');
  assert.equal(marketKey(18, 'total=2.5'), '18/total=2.5');
});

test('the canonical form of any text is that of its parsed specifiers (property)', () => {
  const text = fc.oneof(
    fc.string({ unit: fc.constantFrom('a', 'b', '_', '=', '|', ' ', '\t', '\u00a0', '1', '.', ':', '-'), maxLength: 12 }),
    fc.constantFrom('__proto__=1', 'constructor=1', 'toString=x', '1=a', 'a=1|__proto__=2'),
  );
  fc.assert(
    fc.property(text, (raw) => {
      assert.equal(canonicalSpecifiers(raw), canonicalSpecifiers(parseSpecifiers(raw)));
      assert.equal(marketKey(7, raw), marketKey(7, parseSpecifiers(raw)));
    }),
    { numRuns: 5_000 },
  );
});
