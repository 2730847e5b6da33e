import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FootballModel } from '../../../feed-ingest/simulator/football.ts';
import { holdProbability, TennisModel } from '../../../feed-ingest/simulator/tennis.ts';
import { BasketballModel, basketballProfile } from '../../../feed-ingest/simulator/basketball.ts';
import type { MarketQuote } from '../../../feed-ingest/simulator/market.ts';
import type { SportModel } from '../../../feed-ingest/simulator/sport-model.ts';
import { Rng } from '../../../feed-ingest/simulator/rng.ts';

const near = (a: number, b: number, eps = 1e-9): void => assert.ok(Math.abs(a - b) < eps, `${a} ≈ ${b}`);
const find = (quotes: readonly MarketQuote[], id: number, specifiers = ''): MarketQuote => quotes.find((q) => q.marketId === id && q.specifiers === specifiers)!;
const prob = (q: MarketQuote, outcome: string): number => q.outcomes.find((o) => o.id === outcome)!.probability;

/** Plays a model to its end, checking on the way that every exclusive book sums to 1. */
function playThrough(model: SportModel, step: number): void {
  model.kickOff();
  for (let guard = 0; !model.finished && guard < 100_000; guard += 1) {
    model.play(step);
    for (const q of model.quotes()) {
      if (q.marketId === 10) continue;
      near(q.outcomes.reduce((n, o) => n + o.probability, 0), 1, 1e-6);
    }
  }
  assert.ok(model.finished);
  assert.deepEqual(model.quotes(), []);
}

describe('football model', () => {
  test('equal teams are priced symmetrically before kick-off', () => {
    const q = new FootballModel(new Rng('f'), { homeRate: 1.3, awayRate: 1.3 }).quotes();
    near(prob(find(q, 1), '1'), prob(find(q, 1), '3'));
    near(prob(find(q, 16, 'hcp=0'), '1714'), 0.5);
    near(prob(find(q, 11), '4'), 0.5);
  });

  test('plays 90 minutes and more, reports half-time, settles from the final score', () => {
    const model = new FootballModel(new Rng('full'), { homeRate: 1.5, awayRate: 1.2 });
    model.kickOff();
    const seen = new Set<number>();
    while (!model.finished) {
      model.play(30);
      seen.add(model.state().matchStatus);
    }
    assert.deepEqual([...seen].sort((a, b) => a - b), [6, 7, 31, 100]);
    const { homeScore = 0, awayScore = 0 } = model.state();
    const oneXTwo = model.settle(1, {})!;
    assert.equal(oneXTwo.find((o) => o.result === 1)!.id, homeScore > awayScore ? '1' : homeScore === awayScore ? '2' : '3');
    assert.equal(model.settle(999, {}), undefined);
  });

  test('every book sums to 1 throughout a match', () => {
    playThrough(new FootballModel(new Rng('books'), { homeRate: 1.8, awayRate: 0.9 }), 60);
  });
});

describe('tennis model', () => {
  test('holding serve from 0–0 matches the closed form', () => {
    near(holdProbability(0.5, 0, 0), 0.5);
    // p⁴(1 + 4q + 10q²) + 20p³q³ · p²/(p² + q²), p = 0.6
    const p = 0.6;
    const q = 0.4;
    near(holdProbability(p, 0, 0), p ** 4 * (1 + 4 * q + 10 * q * q) + 20 * p ** 3 * q ** 3 * ((p * p) / (p * p + q * q)));
    near(holdProbability(0.6, 3, 3), (p * p) / (p * p + q * q));
  });

  test('equal players are even before the first serve', () => {
    const q = new TennisModel(new Rng('t'), { serve: [0.64, 0.64] }).quotes();
    near(prob(find(q, 186), '4'), 0.5);
    near(prob(find(q, 202, 'setnr=1'), '4'), 0.5);
  });

  test('a better server is the favourite, and every book sums to 1 point after point', () => {
    const model = new TennisModel(new Rng('t2'), { serve: [0.7, 0.58] });
    assert.ok(prob(find(model.quotes(), 186), '4') > 0.7);
    playThrough(model, 40);
    const sets = model.state().periodScores;
    assert.ok(sets.length >= 2 && sets.length <= 3);
    const setWinner = model.settle(202, { setnr: '1' })!.find((o) => o.result === 1)!.id;
    assert.equal(setWinner, sets[0]!.home > sets[0]!.away ? '4' : '5');
  });
});

describe('basketball model', () => {
  test('plays four quarters (and overtime when tied), every book summing to 1', () => {
    for (const seed of ['b1', 'b2', 'b3']) {
      const model = new BasketballModel(new Rng(seed), basketballProfile(new Rng(`${seed}/p`)));
      playThrough(model, 30);
      const { homeScore = 0, awayScore = 0, periodScores } = model.state();
      assert.notEqual(homeScore, awayScore);
      assert.ok(periodScores.length >= 4);
      assert.equal(periodScores.reduce((n, p) => n + p.home, 0), homeScore);
      assert.equal(model.settle(219, {})!.find((o) => o.result === 1)!.id, homeScore > awayScore ? '4' : '5');
    }
  });
});
