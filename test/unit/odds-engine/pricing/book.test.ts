import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isAppError } from '../../../../core/errors.ts';
import { priceBook, type BookOutcome, type BookPricing, type PricedBook } from '../../../../odds-engine/pricing/book.ts';
import { createPriceLadder } from '../../../../odds-engine/pricing/ladder.ts';
import { applyMargin, MARGIN_METHODS, type MarginMethod } from '../../../../odds-engine/pricing/margin.ts';
import { assertClose, overroundOf } from './approx.ts';

const ladder = createPriceLadder();
const outcomes = (...probabilities: number[]): BookOutcome[] => probabilities.map((probability, i) => ({ id: `o${i + 1}`, probability }));
const pricesOf = (book: PricedBook): (string | null)[] => book.outcomes.map((o) => o.price);
const offeredPrices = (book: PricedBook): string[] => book.outcomes.flatMap((o) => (o.price === null ? [] : [o.price]));

describe('pricing a book through the ladder: worked by hand', () => {
  test('proportional 50/30/20 at 5 %: the closest publishable book to the target', () => {
    // Odds 1/(p f), f = 1 + applied margin. At f = 1.05: 1.9048 / 3.1746 / 4.7619 → 1.90 / 3.15 / 4.70,
    // overround 5.65 %. Lowering f, the first price to lengthen is the favourite's, to 1.91 at
    // f = 1/(0.5 · 1.91) = 1.04712: 1.91 / 3.15 / 4.70, overround 5.3786 %. The next change is at
    // f = 1/0.96 = 1.041667, where all three reach a tick together (1.92 / 3.20 / 4.80, 4.1667 %).
    // So 5.3786 % (0.38 points above) and 4.1667 % (0.83 below) are the neighbours around 5 %.
    const book = priceBook(outcomes(0.5, 0.3, 0.2), { margin: 0.05, method: 'proportional', ladder });
    assert.deepEqual(pricesOf(book), ['1.91', '3.15', '4.70']);
    assertClose(book.overround, 0.053786484331, 1e-11, 'overround');
    assertClose(book.overround, overroundOf(offeredPrices(book)), 1e-15, 'overround from the strings');
    assert.equal(book.inBand, true);
    // Any f in [1.041667, 1.04712) publishes this book.
    assert.ok(book.appliedMargin >= 1 / 0.96 - 1 && book.appliedMargin < 1 / 0.955 - 1, `applied ${book.appliedMargin}`);
  });

  test('the same book with a band of ±0.3 points is out of reach: both neighbours miss it', () => {
    const book = priceBook(outcomes(0.5, 0.3, 0.2), { margin: 0.05, method: 'proportional', ladder, band: 0.003 });
    assert.equal(book.inBand, false);
    assert.equal(book.reason, 'ladder-step');
    assert.deepEqual(pricesOf(book), ['1.91', '3.15', '4.70']); // still the closest
  });

  test('an inactive outcome is not offered; the others are priced as a two-way book', () => {
    // Offered 0.5 and 0.3 renormalize to 0.625 / 0.375. At f = 1.05: 1.5238 / 2.5397 → 1.52 / 2.52
    // (5.47 %). Lowering f: the outsider reaches 2.54 at f = 1/(0.375 · 2.54) = 1.049869 (1.52 / 2.54,
    // 5.1596 %), then the favourite 1.53 at f = 1.045752 (1.53 / 2.54, 4.7296 %). Closest: 5.1596 %.
    const input = outcomes(0.5, 0.3, 0.2).map((o) => (o.id === 'o3' ? { ...o, active: false } : o));
    const book = priceBook(input, { margin: 0.05, method: 'proportional', ladder });
    assert.deepEqual(pricesOf(book), ['1.52', '2.54', null]);
    assertClose(book.overround, 0.0515955242437, 1e-11);
  });

  test('20 equal outcomes: every price the same, 19.00 (5.26 %) beats 19.50 (2.56 %) and 18.50 (8.11 %)', () => {
    for (const method of MARGIN_METHODS) {
      const book = priceBook(outcomes(...Array<number>(20).fill(0.05)), { margin: 0.05, method, ladder });
      assert.deepEqual(new Set(pricesOf(book)), new Set(['19.00']), method);
      assertClose(book.overround, 20 / 19 - 1, 1e-12, method);
    }
  });

  test('heavy favourite: its price is held at the 1.01 minimum and the outsider carries the margin', () => {
    // Proportional pushes the favourite's odds to 1/(0.99 · 1.05) < 1; the ladder raises it to 1.01
    // (1/1.01 = 0.990099). The outsider must then supply ~0.06 of implied probability: 16.50 gives
    // 5.0705 %, 17.00 gives 4.8923 %, 16.00 gives 5.2599 %: 16.50 is closest.
    for (const method of ['proportional', 'additive', 'shin'] as const) {
      const book = priceBook(outcomes(0.99, 0.01), { margin: 0.05, method, ladder });
      assert.deepEqual(pricesOf(book), ['1.01', '16.50'], method);
      assertClose(book.overround, 0.0507050705, 1e-9, method);
    }
  });

  test('Shin beyond its reach prices proportionally and says so', () => {
    const book = priceBook(outcomes(0.999, 0.001), { margin: 0.1, method: 'shin', ladder });
    assert.equal(book.fellBack, true);
    assert.equal(book.method, 'proportional');
    assert.equal(book.inBand, true);
  });

  test('a two-price ladder makes the band provably unreachable for a symmetric book', () => {
    // Prices 1.5, 2, 2.5, ...: two equal outcomes always share a price, so the overround is
    // 2/1.5 − 1 = 33.3 % or 2/2 − 1 = 0 %, nothing between. 0 % is closer to 5 %.
    const coarse = createPriceLadder([{ upTo: '100', step: '0.5' }]);
    const book = priceBook(outcomes(0.5, 0.5), { margin: 0.05, method: 'power', ladder: coarse });
    assert.deepEqual(pricesOf(book), ['2.00', '2.00']);
    assert.equal(book.overround, 0);
    assert.equal(book.inBand, false);
    assert.equal(book.reason, 'ladder-step');
  });

  test('a maximum-odds cap can put the floor of the overround above the band', () => {
    // 20 outcomes at 5 % each, none may be longer than 10: Σ 1/price ≥ 20/10 = 2.
    const book = priceBook(outcomes(...Array<number>(20).fill(0.05)), { margin: 0.05, method: 'odds-ratio', ladder, maxOdds: '10' });
    assert.equal(book.inBand, false);
    assert.equal(book.reason, 'overround-floor');
    assert.ok(pricesOf(book).every((p) => p === '10.00'));
    assertClose(book.overround, 1, 1e-12);
  });

  test('a minimum-odds floor or a single offered outcome put the ceiling below the band', () => {
    const floored = priceBook(outcomes(0.5, 0.5), { margin: 0.05, method: 'shin', ladder, minOdds: '2.5' });
    assert.equal(floored.reason, 'overround-ceiling');
    assertClose(floored.overround, 2 / 2.5 - 1, 1e-12);
    const single = priceBook([{ id: 'a', probability: 0.7 }, { id: 'b', probability: 0.3, active: false }], { margin: 0.05, method: 'power', ladder });
    assert.deepEqual(pricesOf(single), ['1.01', null]);
    assert.equal(single.reason, 'overround-ceiling');
  });

  test('nothing offered: no prices, and the reason', () => {
    const book = priceBook(outcomes(0.5, 0.5).map((o) => ({ ...o, active: false })), { margin: 0.05, method: 'shin', ladder });
    assert.deepEqual(pricesOf(book), [null, null]);
    assert.equal(book.reason, 'nothing-offered');
  });
});

describe('tick shifts', () => {
  test('a trader shortening the favourite by two ticks: exactly two ticks shorter, the rest re-solved into the band', () => {
    const pricing: BookPricing = { margin: 0.05, method: 'odds-ratio', ladder };
    const model = priceBook(outcomes(0.5, 0.3, 0.2), pricing);
    const shifted = priceBook(outcomes(0.5, 0.3, 0.2).map((o) => (o.id === 'o1' ? { ...o, tickShift: -2 } : o)), pricing);
    assert.equal(shifted.outcomes[0]!.price, ladder.shift(model.outcomes[0]!.price!, -2));
    assert.equal(shifted.inBand, true);
    // The favourite now carries more margin, so the others lengthen (or stay) to keep the band.
    for (const i of [1, 2]) assert.ok(ladder.indexOf(shifted.outcomes[i]!.price!) >= ladder.indexOf(model.outcomes[i]!.price!));
  });

  test('shifts stop at the bounds', () => {
    const book = priceBook(
      outcomes(0.6, 0.3, 0.1).map((o) => (o.id === 'o3' ? { ...o, tickShift: 1000 } : o)),
      { margin: 0.05, method: 'power', ladder, maxOdds: '200' },
    );
    assert.equal(book.outcomes[2]!.price, '200.00');
    assert.equal(book.inBand, true);
  });

  test('when every outcome is shifted nothing is left to re-solve: the band may be missed, and the result says so', () => {
    // Model: 50/50 at 5 % → 1.90 / 1.90 (5.26 %). Thirty ticks shorter: 1.60 / 1.60, 2/1.6 − 1 = 25 %.
    const book = priceBook(outcomes(0.5, 0.5).map((o) => ({ ...o, tickShift: -30 })), { margin: 0.05, method: 'shin', ladder });
    assert.deepEqual(pricesOf(book), ['1.60', '1.60']);
    assert.equal(book.reason, 'overround-floor');
  });
});

describe('input validation', () => {
  const fails = (fn: () => unknown) => assert.throws(fn, (e: unknown) => isAppError(e) && e.code === 'PRICING_INPUT_INVALID');
  test('refuses what it cannot price', () => {
    const pricing: BookPricing = { margin: 0.05, method: 'shin', ladder };
    fails(() => priceBook(outcomes(0.5, Number.NaN), pricing));
    fails(() => priceBook(outcomes(0, 0), pricing));
    fails(() => priceBook([{ id: 'a', probability: 0.5, tickShift: 0.5 }], pricing));
    fails(() => priceBook(outcomes(0.5, 0.5), { ...pricing, band: -0.01 }));
    fails(() => priceBook(outcomes(0.5, 0.5), { ...pricing, margin: Number.POSITIVE_INFINITY }));
    fails(() => priceBook(outcomes(0.5, 0.5), { ...pricing, minOdds: '5', maxOdds: '2' }));
    fails(() => priceBook(outcomes(0.5, 0.5), { ...pricing, method: 'fancy' as MarginMethod }));
  });
});

/**
 * Walks the method's path margin by margin, computing the long way (margin applied, each free price
 * rounded and clamped through the ladder) the overround published at each pre-rounding margin m.
 * Outcomes with a price in `held` keep it, as tick-shifted outcomes do.
 */
function walkPath(
  p: number[],
  method: MarginMethod,
  bounds: { maxOdds?: string },
  held: (string | null)[],
  margins: { from: number; to: number; step: number },
  visit: (m: number, overround: number) => void,
): void {
  const range = ladder.indexRange(bounds);
  for (let m = margins.from; m <= margins.to; m += margins.step) {
    const applied = applyMargin(p, m, method);
    if (applied.fellBack) continue;
    let inverseSum = 0;
    applied.odds.forEach((odds, i) => {
      const price = held[i] ?? ladder.priceAt(Math.min(Math.max(ladder.floorIndex(odds), range.min), range.max));
      inverseSum += 1 / Number(price);
    });
    visit(m, inverseSum - 1);
  }
}

const normalized = (raw: number[]): number[] => raw.map((x) => x / raw.reduce((a, b) => a + b, 0));

describe('the band solver on random books (property)', () => {
  const scenario = (maxOutcomes: number, band: fc.Arbitrary<number>) =>
    fc.record({
      probabilities: fc.array(fc.double({ min: 0.0005, max: 1, noNaN: true }), { minLength: 2, maxLength: maxOutcomes }),
      method: fc.constantFrom(...MARGIN_METHODS),
      margin: fc.double({ min: 0, max: 0.25, noNaN: true }),
      band,
      shifts: fc.array(fc.integer({ min: -3, max: 3 }), { minLength: maxOutcomes, maxLength: maxOutcomes }),
      useShifts: fc.boolean(),
      maxOdds: fc.constantFrom(undefined, '100', '500'),
    });
  type Scenario = { probabilities: number[]; method: MarginMethod; margin: number; band: number; shifts: number[]; useShifts: boolean; maxOdds: string | undefined };
  const run = (s: Scenario) => {
    const n = s.probabilities.length;
    const shifts = s.useShifts ? s.shifts.slice(0, n) : Array<number>(n).fill(0);
    const bounds = s.maxOdds === undefined ? {} : { maxOdds: s.maxOdds };
    const pricing = { margin: s.margin, method: s.method, ladder, band: s.band, ...bounds };
    const book = priceBook(s.probabilities.map((probability, i) => ({ id: String(i), probability, tickShift: shifts[i]! })), pricing);
    return { n, shifts, bounds, pricing, book };
  };

  test('3000 books: prices on the ladder, the overround they say, in band or a consistent reason, shifts exact', () => {
    fc.assert(
      fc.property(scenario(25, fc.oneof(fc.constant(0.01), fc.double({ min: 0.0002, max: 0.03, noNaN: true }))), (s) => {
        const { n, shifts, bounds, pricing, book } = run(s);
        const prices = offeredPrices(book);
        assert.equal(prices.length, n);
        for (const price of prices) {
          assert.ok(ladder.indexOf(price) >= 0, `${price} is on the ladder`);
          if (s.maxOdds) assert.ok(Number(price) <= Number(s.maxOdds));
        }
        assertClose(book.overround, overroundOf(prices), 1e-12, 'overround');
        const distance = book.overround - s.margin;
        if (book.inBand) assert.ok(Math.abs(distance) <= s.band + 1e-12, `in band: ${book.overround} vs ${s.margin} ± ${s.band}`);
        else if (book.reason === 'overround-floor') assert.ok(distance > s.band);
        else if (book.reason === 'overround-ceiling') assert.ok(distance < -s.band);
        else assert.ok(book.reason === 'ladder-step' && Math.abs(distance) > s.band);
        if (shifts.some((x) => x !== 0)) {
          const model = priceBook(s.probabilities.map((probability, i) => ({ id: String(i), probability })), pricing);
          shifts.forEach((shift, i) => {
            if (shift !== 0) assert.equal(prices[i], ladder.shift(model.outcomes[i]!.price!, shift, bounds), `outcome ${i} shifted by ${shift}`);
          });
        }
      }),
      { numRuns: 3000 },
    );
  });

  test('out of band only when no margin along the path publishes an in-band book (narrow bands, 400 books)', () => {
    let checked = 0;
    fc.assert(
      fc.property(scenario(5, fc.double({ min: 0.0002, max: 0.002, noNaN: true })), (s) => {
        const { shifts, bounds, book } = run(s);
        if (book.inBand) return;
        checked++;
        const held = book.outcomes.map((o, i) => (shifts[i] !== 0 ? o.price : null));
        walkPath(normalized(s.probabilities), book.method, bounds, held, { from: -0.5, to: 1.5, step: 0.0005 }, (m, published) => {
          assert.ok(Math.abs(published - s.margin) > s.band, `margin ${m} publishes ${published}, inside ${s.margin} ± ${s.band}`);
        });
      }),
      { numRuns: 400 },
    );
    assert.ok(checked > 50, `only ${checked} unreachable books were checked`);
  });

  test('the chosen book is the closest to the target along the path (100 books)', () => {
    fc.assert(
      fc.property(scenario(8, fc.constant(0.01)), (s) => {
        const book = priceBook(s.probabilities.map((probability, i) => ({ id: String(i), probability })), { margin: s.margin, method: s.method, ladder });
        const distance = Math.abs(book.overround - s.margin);
        const free = s.probabilities.map(() => null);
        walkPath(normalized(s.probabilities), book.method, {}, free, { from: -0.3, to: 0.8, step: 0.0005 }, (m, published) => {
          assert.ok(Math.abs(published - s.margin) >= distance - 1e-12, `margin ${m} publishes ${published}, closer to ${s.margin} than ${book.overround}`);
        });
      }),
      { numRuns: 100 },
    );
  });
});
