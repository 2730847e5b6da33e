import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { difference, lineProbabilities, mass, mean, poisson, probAbove, probEqual, shift, sum } from '../../../feed-ingest/simulator/distribution.ts';
import type { IntDist } from '../../../feed-ingest/simulator/distribution.ts';
import { formatLine, handicapLines, settleLine, totalLines } from '../../../feed-ingest/simulator/market.ts';
import { formatOdds, formatProbability, publishOutcomes } from '../../../feed-ingest/simulator/pricing.ts';
import { Rng } from '../../../feed-ingest/simulator/rng.ts';

const near = (a: number, b: number, eps = 1e-9): void => assert.ok(Math.abs(a - b) < eps, `${a} ≈ ${b}`);

describe('distributions', () => {
  test('Poisson has mass 1 and its mean; sums and differences add and subtract means', () => {
    const x = poisson(1.7);
    const y = poisson(1.1);
    near(mass(x), 1, 1e-10);
    near(mean(x), 1.7, 1e-9);
    near(mean(sum(x, y)), 2.8, 1e-9);
    near(mean(difference(x, y)), 0.6, 1e-9);
    near(mean(shift(x, 2)), 3.7, 1e-9);
  });

  test('a whole line removes the push; a quarter line stakes half on each neighbour; both are fair', () => {
    const total = sum(poisson(1.4), poisson(1.2));
    for (const line of [2, 2.25, 2.5, 2.75]) {
      const { over, under } = lineProbabilities(total, line);
      near(over + under, 1, 1e-12);
      // At fair odds 1/p the expected profit of a unit stake on "over" is zero.
      const halves = Math.abs(line * 4) % 2 === 1 ? [line - 0.25, line + 0.25] : [line];
      let profit = 0;
      for (const h of halves) profit += (probAbove(total, h) * (1 / over - 1) - (1 - probAbove(total, h) - probEqual(total, h))) / halves.length;
      near(profit, 0, 1e-12);
    }
  });
});

describe('lines', () => {
  test('settle half, whole and quarter lines with void factors', () => {
    assert.deepEqual(settleLine(3, 2.5, '12', '13'), [{ id: '12', result: 1 }, { id: '13', result: 0 }]);
    assert.deepEqual(settleLine(2, 2.5, '12', '13'), [{ id: '12', result: 0 }, { id: '13', result: 1 }]);
    assert.deepEqual(settleLine(2, 2, '12', '13'), [{ id: '12', result: 0, voidFactor: 1 }, { id: '13', result: 0, voidFactor: 1 }]);
    // 2.25 = half on 2 (push) + half on 2.5 (under wins): under half won, over half lost.
    assert.deepEqual(settleLine(2, 2.25, '12', '13'), [{ id: '12', result: 0, voidFactor: 0.5 }, { id: '13', result: 1, voidFactor: 0.5 }]);
    // 2.75 = half on 2.5 (over wins) + half on 3 (push): over half won.
    assert.deepEqual(settleLine(3, 2.75, '12', '13'), [{ id: '12', result: 1, voidFactor: 0.5 }, { id: '13', result: 0, voidFactor: 0.5 }]);
    assert.deepEqual(settleLine(4, 2.75, '12', '13'), [{ id: '12', result: 1 }, { id: '13', result: 0 }]);
  });

  test('offer lines around the balanced one, never a decided one', () => {
    const total = shift(sum(poisson(0.8), poisson(0.6)), 2);
    const lines = totalLines(total, [-1, 0, 1], 2);
    assert.ok(lines.every((l) => l.value > 2));
    const main = lines.find((l) => l.main)!;
    near(Math.abs(lineProbabilities(total, main.value).over - 0.5), Math.min(...[2.5, 3.5, 4.5].map((v) => Math.abs(lineProbabilities(total, v).over - 0.5))));
    const diff: IntDist = difference(poisson(2), poisson(0.8));
    const hcps = handicapLines(diff, { origin: 0, step: 0.25 }, [-1, 0, 1]);
    assert.equal(hcps.length, 3);
    assert.ok(hcps.every((h) => Number.isInteger(h.value * 4)));
    assert.ok(hcps.find((h) => h.main)!.value < 0, 'the favourite gives goals');
  });

  test('format specifier values as the provider does', () => {
    assert.equal(formatLine(2.5), '2.5');
    assert.equal(formatLine(-0.25), '-0.25');
    assert.equal(formatLine(-0), '0');
    assert.equal(formatLine(3), '3');
  });
});

describe('published prices', () => {
  test('odds carry the margin and are clamped; probabilities never use exponents', () => {
    assert.equal(formatOdds(0.5, 0.06), '1.89');
    assert.equal(formatOdds(0.999, 0.06), '1.01');
    assert.equal(formatOdds(0.0001, 0.06), '500');
    assert.equal(formatProbability(0.5), '0.5');
    assert.equal(formatProbability(0.00000004), '0');
    assert.equal(formatProbability(1), '1');
  });

  test('outcomes too unlikely to offer are inactive', () => {
    const outcomes = publishOutcomes({ marketId: 1, specifiers: '', margin: 0.06, outcomes: [{ id: '1', probability: 0.9995 }, { id: '2', probability: 0.0004 }, { id: '3', probability: 0.0001 }] });
    assert.deepEqual(outcomes.map((o) => o.active), [1, 0, 0]);
    assert.equal(outcomes[1]!.odds, undefined);
  });
});

describe('seeded random numbers', () => {
  test('repeat from the seed; forks do not depend on how far the parent went', () => {
    const a = new Rng('s');
    const b = new Rng('s');
    assert.deepEqual([a.next(), a.next(), a.int(1, 6)], [b.next(), b.next(), b.int(1, 6)]);
    const fork1 = new Rng('s').fork('m').next();
    const parent = new Rng('s');
    for (let i = 0; i < 100; i += 1) parent.next();
    assert.equal(parent.fork('m').next(), fork1);
    const u = new Rng('x');
    for (let i = 0; i < 1000; i += 1) {
      const v = u.next();
      assert.ok(v >= 0 && v < 1);
    }
  });
});
