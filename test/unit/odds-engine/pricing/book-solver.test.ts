import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isAppError } from '../../../../core/errors.ts';
import { BookSolver, priceBook } from '../../../../odds-engine/pricing/book.ts';
import { createPriceLadder } from '../../../../odds-engine/pricing/ladder.ts';
import { MARGIN_METHODS } from '../../../../odds-engine/pricing/margin.ts';

const ladder = createPriceLadder();

describe('one book solver reused from book to book', () => {
  test('each solution equals the one a fresh solve gives, whatever the books before it (200 sequences)', () => {
    const book = fc.record({
      outcomes: fc.array(
        fc.record({ probability: fc.double({ min: 0.0005, max: 1, noNaN: true }), active: fc.boolean(), tickShift: fc.integer({ min: -3, max: 3 }) }),
        { minLength: 1, maxLength: 12 },
      ),
      method: fc.constantFrom(...MARGIN_METHODS),
      margin: fc.double({ min: 0, max: 0.25, noNaN: true }),
    });
    fc.assert(
      fc.property(fc.array(book, { minLength: 2, maxLength: 8 }), (books) => {
        const solver = new BookSolver(ladder, { maxOdds: '500' });
        for (const b of books) {
          const solved = solver.solve(
            b.outcomes.map((o) => o.probability),
            b.outcomes.map((o) => o.active),
            b.outcomes.map((o) => o.tickShift),
            b.margin,
            b.method,
          );
          const fresh = priceBook(
            b.outcomes.map((o, i) => ({ id: String(i), ...o })),
            { margin: b.margin, method: b.method, ladder, maxOdds: '500' },
          );
          const prices = b.outcomes.map((_, i) => (solved.indices[i]! < 0 ? null : ladder.priceAt(solved.indices[i]!)));
          assert.deepEqual(prices, fresh.outcomes.map((o) => o.price));
          assert.equal(solved.overround, fresh.overround);
          assert.equal(solved.reason, fresh.reason);
          assert.equal(solved.method, fresh.method);
          assert.equal(solved.fellBack, fresh.fellBack);
        }
      }),
      { numRuns: 200 },
    );
  });

  test('a refused book leaves the solver usable for the next one', () => {
    const solver = new BookSolver(ladder);
    assert.throws(
      () => solver.solve([0.5, Number.NaN], undefined, undefined, 0.05, 'power'),
      (e: unknown) => isAppError(e) && e.code === 'PRICING_INPUT_INVALID',
    );
    const solved = solver.solve([0.5, 0.3, 0.2], undefined, undefined, 0.05, 'proportional');
    // The worked example of book.test.ts: 1.91 / 3.15 / 4.70.
    assert.deepEqual([0, 1, 2].map((i) => ladder.priceAt(solved.indices[i]!)), ['1.91', '3.15', '4.70']);
  });

  test('bounds that leave no ladder price are refused when the solver is made', () => {
    assert.throws(() => new BookSolver(ladder, { minOdds: '5', maxOdds: '2' }), (e: unknown) => isAppError(e) && e.code === 'PRICING_INPUT_INVALID');
  });
});
