import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { FeedMarketStatus, FeedMessage, OutcomeOdds } from '../../../core/contracts/feed.ts';
import type { OddsDelta } from '../../../core/contracts/odds.ts';
import { createPriceLadder } from '../../../odds-engine/pricing/index.ts';
import { EVENT, ONE_X_TWO, betStop, feed, market, odds, producerDown, producerUp, rig, type Rig } from './rig.ts';

const ladder = createPriceLadder();
let r: Rig;
afterEach(() => r?.close());

const anyOdds = fc.oneof(
  fc.double({ min: 1.0001, max: 2000, noNaN: true }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, 0, -3, 1),
);
const anyProbability = fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(Number.NaN, -0.2, 1.5));
const anyOutcome = fc.record(
  { outcomeId: fc.constantFrom('1', '2', '3', '12', '13'), active: fc.boolean(), odds: anyOdds, probability: anyProbability },
  { requiredKeys: ['outcomeId', 'active'] },
) as fc.Arbitrary<OutcomeOdds>;
const anyStatus = fc.constantFrom<FeedMarketStatus>(1, 1, 1, 0, -1, -2, -3, -4);
const anyMarket = fc.record({ id: fc.constantFrom(1, 18, 16), status: anyStatus, outcomes: fc.array(anyOutcome, { maxLength: 5 }) });
const anyMessage: fc.Arbitrary<(ts: number) => FeedMessage> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ markets: fc.array(anyMarket, { maxLength: 4 }), eventStatus: fc.option(fc.integer({ min: 0, max: 9 }), { nil: undefined }) }).map(
    ({ markets, eventStatus }) =>
      (ts: number) => odds(markets.map((m) => market(m.id, '', m.status, m.outcomes)), { sourceTs: ts, ...(eventStatus !== undefined ? { eventStatus } : {}) }),
  ) },
  { weight: 1, arbitrary: fc.constantFrom(['all'], ['score'], []).map((groups) => () => betStop(groups)) },
  { weight: 1, arbitrary: fc.constantFrom(1, 3).map((p) => () => producerDown(p)) },
  { weight: 1, arbitrary: fc.constantFrom(1, 3).map((p) => () => producerUp(p)) },
);

describe('odds engine: bad and odd feed input', () => {
  test('any sequence of messages: nothing throws, every price is on the ladder, seq is gap-free, open markets are priced', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyMessage, { minLength: 1, maxLength: 12 }), async (messages) => {
        r = await rig();
        let ts = 1;
        await feed(r, odds([market(1, '', 1, ONE_X_TWO)], { sourceTs: ts }));
        for (const make of messages) await r.engine.handle(make(++ts));
        const book = await r.priceBook.getEvent(EVENT);
        assert.ok(book);
        for (const m of book.markets) {
          for (const o of m.outcomes) {
            if (o.price === undefined) continue;
            assert.ok(ladder.indexOf(o.price) >= 0, `${o.price} is on the ladder`);
            assert.ok(m.state === 'open' || m.state === 'suspended', `${m.state} market offers no price`);
          }
          if (m.state === 'open') assert.equal(m.suspensions.length, 0, 'an open market has no suspension');
          if (m.state === 'suspended') assert.ok(m.suspensions.length > 0, 'a suspended market says why');
        }
        await r.deltasReach(book.seq);
        const seqs = r.deltas.filter((d: OddsDelta) => d.epoch === book.epoch).map((d) => d.seq);
        assert.deepEqual(seqs, Array.from({ length: book.seq }, (_, i) => i + 1));
        await r.close();
      }),
      { numRuns: 150 },
    );
  });

  test('what is not a feed message is counted and dropped', async () => {
    r = await rig();
    for (const junk of [null, 42, 'odds', {}, { type: 7 }, { type: 'Gossip', eventId: 'sr:match:1' }, { type: 'OddsChanged', eventId: 'nonsense' }]) {
      await r.engine.handle(junk as unknown as FeedMessage);
    }
    assert.match(await r.metrics.render(), /sb_odds_messages_total\{type="unknown",result="ignored"\} 5/);
    // Well-typed on the outside, broken inside: applied as far as it goes, never thrown back.
    await r.engine.handle({ ...odds([market(1, '', 1, ONE_X_TWO)]), markets: null } as unknown as FeedMessage);
    assert.match(await r.metrics.render(), /sb_odds_messages_total\{type="OddsChanged",result="failed"\} 1/);
  });
});
