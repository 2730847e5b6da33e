import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isAppError } from '../../../../core/errors.ts';
import { applyMargin, MARGIN_METHODS, removeMargin, type MarginMethod } from '../../../../odds-engine/pricing/margin.ts';
import { assertAllClose, assertClose, overroundOf } from './approx.ts';

const inverse = (odds: readonly number[]): number[] => odds.map((o) => 1 / o);

describe('applying a margin: values worked out by hand', () => {
  test('proportional: q = p (1 + m)', () => {
    // p = (0.5, 0.3, 0.2), m = 0.05 → q = (0.525, 0.315, 0.21) → odds 1/q.
    const r = applyMargin([0.5, 0.3, 0.2], 0.05, 'proportional');
    assertAllClose(r.odds, [1 / 0.525, 1 / 0.315, 1 / 0.21], 1e-12, 'odds');
    assertAllClose(r.odds, [1.9047619048, 3.1746031746, 4.7619047619], 1e-9, 'odds (decimal)');
    assertClose(r.parameter, 1.05, 1e-15, 'factor');
    assert.equal(r.fellBack, false);
  });

  test('additive: q = p + m/n', () => {
    // p = (0.5, 0.3, 0.2), m = 0.06 → each q gains 0.02 → (0.52, 0.32, 0.22).
    const r = applyMargin([0.5, 0.3, 0.2], 0.06, 'additive');
    assertAllClose(r.odds, [1.9230769231, 3.125, 4.5454545455], 1e-9, 'odds');
    assertClose(r.parameter, 0.02, 1e-15, 'shift');
  });

  test('power: q = p^k', () => {
    // Symmetric 2-way: 2 · 0.5^k = 1.05 → k = ln 0.525 / ln 0.5 = 0.929610672...; odds 1/0.525.
    const even = applyMargin([0.5, 0.5], 0.05, 'power');
    assertClose(even.parameter, 0.929610672108602, 1e-12, 'k');
    assertAllClose(even.odds, [1.9047619048, 1.9047619048], 1e-9, 'odds');
    // p = (0.64, 0.36), k = 1/2: √0.64 + √0.36 = 0.8 + 0.6 = 1.4, so m = 0.4 must give k = 0.5, odds 1.25 and 1.6667.
    const square = applyMargin([0.64, 0.36], 0.4, 'power');
    assertClose(square.parameter, 0.5, 1e-12, 'k');
    assertAllClose(square.odds, [1.25, 1 / 0.6], 1e-12, 'odds');
  });

  test('odds ratio: q/(1 − q) = OR · p/(1 − p) for every outcome', () => {
    // Symmetric 2-way: q = 0.525 each, OR = (0.525/0.475)/(0.5/0.5) = 1.105263157894737.
    const even = applyMargin([0.5, 0.5], 0.05, 'odds-ratio');
    assertClose(even.parameter, 1.105263157894737, 1e-12, 'OR');
    assertAllClose(even.odds, [1 / 0.525, 1 / 0.525], 1e-12, 'odds');
    // p = (0.75, 0.25) with OR = 3: q = 3·0.75/(0.25 + 2.25) = 0.9 and 3·0.25/(0.75 + 0.75) = 0.5, Σ = 1.4.
    const skew = applyMargin([0.75, 0.25], 0.4, 'odds-ratio');
    assertClose(skew.parameter, 3, 1e-11, 'OR');
    assertAllClose(skew.odds, [1 / 0.9, 2], 1e-11, 'odds');
  });

  test('Shin: q_i = y_i Σy with y_i = √(z p_i + (1 − z) p_i²)', () => {
    // Symmetric 2-way: y = √(0.25 + 0.25 z), q = 2y² = 0.5 (1 + z), Σq = 1 + z, so z = m.
    const even = applyMargin([0.5, 0.5], 0.05, 'shin');
    assertClose(even.parameter, 0.05, 1e-12, 'z');
    assertAllClose(even.odds, [1 / 0.525, 1 / 0.525], 1e-11, 'odds');
    // With two outcomes Shin coincides with the additive method (Clarke, Kovalchik & Ingram 2017;
    // the Python "shin" package tests the same identity): p = (0.7, 0.3), m = 0.06 → q = (0.73, 0.33).
    const two = applyMargin([0.7, 0.3], 0.06, 'shin');
    assertAllClose(two.odds, [1 / 0.73, 1 / 0.33], 1e-10, 'odds');
  });

  test('power, odds ratio and Shin satisfy their defining equations on a skewed 3-way book', () => {
    const p = [0.62, 0.27, 0.11];
    const m = 0.07;
    for (const method of ['power', 'odds-ratio', 'shin'] as const) {
      const r = applyMargin(p, m, method);
      const q = inverse(r.odds);
      assertClose(q.reduce((a, b) => a + b, 0), 1 + m, 1e-11, `${method} Σq`);
      for (let i = 0; i < p.length; i++) {
        const pi = p[i]!;
        const qi = q[i]!;
        if (method === 'power') assertClose(Math.log(qi) / Math.log(pi), r.parameter, 1e-10, 'k');
        if (method === 'odds-ratio') assertClose(qi / (1 - qi) / (pi / (1 - pi)), r.parameter, 1e-10, 'OR');
        if (method === 'shin') {
          const z = r.parameter;
          const y = (x: number): number => Math.sqrt(z * x + (1 - z) * x * x);
          assertClose(qi, y(pi) * p.reduce((s, x) => s + y(x), 0), 1e-11, 'Shin eq. 5');
        }
      }
    }
  });

  test('zero margin is the identity for every method', () => {
    for (const method of MARGIN_METHODS) {
      const r = applyMargin([0.5, 0.25, 0.25], 0, method);
      assert.deepEqual(r.odds, [2, 4, 4], method);
      assert.equal(r.fellBack, false);
    }
  });

  test('a book of 20 equal outcomes gets the same price from every method: 20 / (1 + m)', () => {
    for (const method of MARGIN_METHODS) {
      const r = applyMargin(Array(20).fill(0.05), 0.1, method);
      assertAllClose(r.odds, Array(20).fill(20 / 1.1), 1e-9, method);
    }
  });

  test('probabilities are normalized first, as a feed rounds them', () => {
    const r = applyMargin([0.5005, 0.3, 0.2], 0.05, 'proportional');
    const scaled = [0.5005, 0.3, 0.2].map((p) => p / 1.0005);
    assertAllClose(r.odds, scaled.map((p) => 1 / (p * 1.05)), 1e-12);
  });
});

describe('applying a margin: extremes and fallbacks', () => {
  test('extreme favourite p = 0.99: proportional, additive and two-way Shin push its odds below 1; power and odds ratio do not', () => {
    const proportional = applyMargin([0.99, 0.01], 0.05, 'proportional');
    assertAllClose(proportional.odds, [1 / 1.0395, 1 / 0.0105], 1e-12); // 0.962, 95.24
    const additive = applyMargin([0.99, 0.01], 0.05, 'additive');
    assertAllClose(additive.odds, [1 / 1.015, 1 / 0.035], 1e-12); // 0.985, 28.57
    // Two-way Shin equals additive (see above), so the same 0.985 / 28.57.
    assertAllClose(applyMargin([0.99, 0.01], 0.05, 'shin').odds, [1 / 1.015, 1 / 0.035], 1e-10);
    for (const method of ['power', 'odds-ratio'] as const) {
      const r = applyMargin([0.99, 0.01], 0.05, method);
      assert.equal(r.fellBack, false, method);
      assert.ok(r.odds[0]! > 1 && r.odds[0]! < 1 / 0.99, `${method} favourite ${r.odds[0]}`);
      assert.ok(r.odds[1]! > 1 && r.odds[1]! < 100, `${method} outsider ${r.odds[1]}`);
      assertClose(overroundOf(r.odds), 0.05, 1e-11, method);
    }
  });

  test('tiny outsider p = 0.0005 in 3- and 25-way books: finite odds, exact margin', () => {
    const three = [0.9, 0.0995, 0.0005];
    const wide = [0.5, 0.2, ...Array(22).fill(0.3 / 22 - 0.0005 / 22), 0.0005];
    for (const p of [three, wide]) {
      for (const method of MARGIN_METHODS) {
        const r = applyMargin(p, 0.08, method);
        assert.ok(r.odds.every((o) => Number.isFinite(o) && o > 1), `${method}: ${r.odds}`);
        assertClose(overroundOf(r.odds), 0.08, 1e-10, `${method} n=${p.length}`);
        // Favourite-longshot: power, odds ratio and Shin put relatively more margin on the outsider.
        if (method !== 'proportional' && method !== 'additive') assert.ok(r.odds.at(-1)! < 1 / (0.0005 * 1.08), method);
      }
    }
  });

  test('zero-probability outcomes get infinite odds (the ladder caps them), except under additive', () => {
    for (const method of ['proportional', 'power', 'odds-ratio', 'shin'] as const) {
      assert.equal(applyMargin([0.6, 0.4, 0], 0.05, method).odds[2], Number.POSITIVE_INFINITY, method);
    }
    assertClose(applyMargin([0.6, 0.4, 0], 0.06, 'additive').odds[2]!, 50, 1e-9);
  });

  test('Shin falls back to proportional beyond its reach: (√0.999 + √0.001)² − 1 = 6.32 %', () => {
    assert.equal(applyMargin([0.999, 0.001], 0.06, 'shin').fellBack, false);
    const beyond = applyMargin([0.999, 0.001], 0.07, 'shin');
    assert.equal(beyond.fellBack, true);
    assert.equal(beyond.method, 'proportional');
    assertAllClose(beyond.odds, [1 / (0.999 * 1.07), 1 / (0.001 * 1.07)], 1e-9);
    // ... and for a negative margin: z is a share of money, never below 0.
    assert.equal(applyMargin([0.5, 0.5], -0.02, 'shin').method, 'proportional');
  });

  test('additive falls back when an outcome would get a probability ≤ 0', () => {
    // m = −0.03 over 3 outcomes takes 0.01 from each: p = 0.005 would go negative.
    const r = applyMargin([0.6, 0.395, 0.005], -0.03, 'additive');
    assert.equal(r.fellBack, true);
    assertAllClose(r.odds, [0.6, 0.395, 0.005].map((p) => 1 / (p * 0.97)), 1e-9);
    assert.equal(applyMargin([0.6, 0.38, 0.02], -0.03, 'additive').fellBack, false);
  });

  test('a one-outcome book cannot carry a margin except proportionally', () => {
    for (const method of ['power', 'odds-ratio', 'shin'] as const) assert.equal(applyMargin([1], 0.05, method).method, 'proportional');
    assertAllClose(applyMargin([1], 0.05, 'additive').odds, [1 / 1.05], 1e-15);
  });

  test('rejects what it cannot price with PRICING_INPUT_INVALID', () => {
    const bad: [number[], number][] = [[[], 0.05], [[0.5, Number.NaN], 0.05], [[0.5, -0.1], 0.05], [[0, 0], 0.05], [[0.5, 0.5], -1], [[0.5, 0.5], Number.NaN], [[0.5, 0.5], 11]];
    for (const [p, m] of bad) {
      assert.throws(() => applyMargin(p, m, 'power'), (e: unknown) => isAppError(e) && e.code === 'PRICING_INPUT_INVALID', `${p} ${m}`);
    }
  });
});

describe('removing a margin', () => {
  test('Shin reproduces the worked example of the Python "shin" package (README and tests)', () => {
    // shin.calculate_implied_probabilities([2.6, 2.4, 4.3]) →
    // [0.37299406033208965, 0.4047794109200184, 0.2222265287474275], z = 0.01694251276407055 (converged to 1e-12).
    const r = removeMargin([2.6, 2.4, 4.3], 'shin');
    assertAllClose(r.probabilities, [0.37299406033208965, 0.4047794109200184, 0.2222265287474275], 1e-9, 'p');
    assertClose(r.parameter, 0.01694251276407055, 1e-9, 'z');
  });

  test('Shin with two outcomes: the closed form for z and the additive probabilities', () => {
    // From the "shin" package: z = (B − 1)(d² − B) / (B (d² − 1)), d = π1 − π2; p = π − (B − 1)/2.
    const odds = [1.5, 2.74];
    const [a, b] = inverse(odds) as [number, number];
    const booksum = a + b;
    const d = a - b;
    const r = removeMargin(odds, 'shin');
    assertClose(r.parameter, ((booksum - 1) * (d * d - booksum)) / (booksum * (d * d - 1)), 1e-12, 'z');
    assertAllClose(r.probabilities, [0.6508515815085157, 0.34914841849148415], 1e-12, 'p');
  });

  test('matches the published examples of the R package "implied" (README, three football matches)', () => {
    // implied_probabilities(my_odds, method = ...) printed to 7 digits. The package solves with
    // uniroot at tolerance .Machine$double.eps^0.25 ≈ 1.2e-4 on the parameter, which moves the
    // printed probabilities by a few 1e-6 (Shin uses the Jullien-Salanié iteration with the same
    // stopping rule): hence the tolerance here, not an error of ours. The Python example above,
    // converged to 1e-12, is matched to 1e-9.
    const odds = [
      [4.2, 3.7, 1.95],
      [2.45, 3.7, 2.9],
      [2.05, 3.2, 3.8],
    ];
    const published: Record<'proportional' | 'shin' | 'odds-ratio' | 'power', number[][]> = {
      proportional: [
        [0.2331556, 0.2646631, 0.5021813],
        [0.3988848, 0.2641264, 0.3369888],
        [0.4586948, 0.2938514, 0.2474538],
      ],
      shin: [
        [0.2315716, 0.2635742, 0.5048542],
        [0.4000221, 0.2629271, 0.3370508],
        [0.4645882, 0.2919788, 0.2434331],
      ],
      'odds-ratio': [
        [0.2320048, 0.2636415, 0.5043537],
        [0.3996912, 0.2633869, 0.3369219],
        [0.4634406, 0.2919032, 0.2446562],
      ],
      power: [
        [0.2311414, 0.2630644, 0.5057942],
        [0.4003156, 0.2627189, 0.3369655],
        [0.4667139, 0.2908985, 0.2423876],
      ],
    };
    const margins = [0.02118602, 0.02326112, 0.06346277];
    for (const [method, rows] of Object.entries(published) as [MarginMethod, number[][]][]) {
      rows.forEach((expected, row) => {
        const r = removeMargin(odds[row]!, method);
        assertAllClose(r.probabilities, expected, method === 'proportional' ? 1e-7 : 5e-6, `${method} row ${row + 1}`);
        assertClose(r.margin, margins[row]!, 1e-8, 'margin');
      });
    }
    // Parameters: z (Shin), OR, and the package's "inverse exponent", our k; the package solves
    // for them only to its tolerance of 1.2e-4.
    const solverTolerance = 1.2e-4;
    assertAllClose([0, 1, 2].map((i) => removeMargin(odds[i]!, 'shin').parameter), [0.01061048, 0.01163552, 0.03182353], solverTolerance, 'z');
    assertAllClose([0, 1, 2].map((i) => removeMargin(odds[i]!, 'odds-ratio').parameter), [1.034449, 1.035805, 1.102606], solverTolerance, 'OR');
    assertAllClose([0, 1, 2].map((i) => removeMargin(odds[i]!, 'power').parameter), [0.9797664, 0.9788115, 0.9419744], solverTolerance, 'k');
  });

  test('additive by hand: p = π − (B − 1)/n', () => {
    // 1/1.8 + 1/2.1 = 0.5555556 + 0.4761905 = 1.0317460; each loses 0.0158730.
    const r = removeMargin([1.8, 2.1], 'additive');
    assertAllClose(r.probabilities, [0.5396825397, 0.4603174603], 1e-9);
  });

  test('additive falls back to proportional when a longshot would get a probability ≤ 0', () => {
    // B = 1/1.05 + 1/10 + 1/1500 = 1.0530476; the outsider's 0.000667 minus 0.0176825 is negative.
    const r = removeMargin([1.05, 10, 1500], 'additive');
    assert.equal(r.fellBack, true);
    assert.equal(r.method, 'proportional');
    assertAllClose(r.probabilities, [0.9044044497, 0.0949624672, 0.0006330831], 1e-9);
  });

  test('a fair book is returned unchanged by every method', () => {
    for (const method of MARGIN_METHODS) assertAllClose(removeMargin([2, 4, 4], method).probabilities, [0.5, 0.25, 0.25], 1e-12, method);
  });

  test('an arbitrage book (booksum < 1): Shin falls back, the others widen the probabilities', () => {
    for (const method of MARGIN_METHODS) {
      const r = removeMargin([2.1, 2.1], method);
      assertAllClose(r.probabilities, [0.5, 0.5], 1e-12, method);
      assert.equal(r.fellBack, method === 'shin', method);
    }
    const skew = removeMargin([1.5, 3.5], 'power');
    assert.ok(skew.parameter > 1, 'k > 1 spreads a negative margin');
    assertClose(skew.probabilities[0]! + skew.probabilities[1]!, 1, 1e-12);
  });

  test('rejects odds that are not finite decimal odds above 1', () => {
    for (const odds of [[], [1, 2], [0.5, 3], [2, Number.POSITIVE_INFINITY], [2, Number.NaN]]) {
      assert.throws(() => removeMargin(odds, 'shin'), (e: unknown) => isAppError(e) && e.code === 'PRICING_INPUT_INVALID', String(odds));
    }
  });
});

describe('round trip: apply a margin, remove it with the same method', () => {
  const book = fc
    .array(fc.double({ min: 0.0005, max: 1, noNaN: true }), { minLength: 2, maxLength: 30 })
    .map((raw) => raw.map((x) => x / raw.reduce((a, b) => a + b, 0)));

  for (const method of MARGIN_METHODS) {
    test(`${method} gives back the fair probabilities`, () => {
      fc.assert(
        fc.property(book, fc.double({ min: -0.05, max: 0.3, noNaN: true }), (p, m) => {
          const applied = applyMargin(p, m, method);
          // A fallback is another method, and odds ≤ 1 (see above) are not a quote to remove from.
          fc.pre(!applied.fellBack && applied.odds.every((o) => o > 1));
          const removed = removeMargin(applied.odds, method);
          assert.equal(removed.fellBack, false);
          assertAllClose(removed.probabilities, p, 1e-9, 'p');
          assertClose(removed.margin, m, 1e-9, 'margin');
          assertClose(removed.parameter, applied.parameter, 1e-7 * Math.max(1, Math.abs(applied.parameter)), 'parameter');
        }),
        { numRuns: 400 },
      );
    });
  }

  test('extreme favourite and tiny outsider, every method', () => {
    for (const p of [[0.99, 0.01], [0.9995, 0.0005], [0.9, 0.0995, 0.0005]]) {
      for (const method of MARGIN_METHODS) {
        const applied = applyMargin(p, 0.05, method);
        // Proportional and additive send the favourite's odds below 1 here: not a quote to remove from.
        if (applied.odds.some((o) => o <= 1)) continue;
        assertAllClose(removeMargin(applied.odds, method).probabilities, p, 1e-9, `${method} ${p}`);
      }
    }
  });
});
