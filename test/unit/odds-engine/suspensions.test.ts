import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { SuspensionReason } from '../../../core/contracts/odds.ts';
import { EVENT, ONE_X_TWO, OTHER_EVENT, TOTAL, betStop, bookMarket, feed, market, odds, pricesOf, producerDown, producerUp, rig, trader, type Rig } from './rig.ts';

/** Each way a market can be suspended, with what sets it and what lifts it. */
type Cause = 'BET_STOP' | 'FEED_STATUS' | 'PRODUCER_DOWN' | 'TRADER_MARKET' | 'TRADER_EVENT' | 'EVENT_ENDED';
const CAUSES: readonly Cause[] = ['BET_STOP', 'FEED_STATUS', 'PRODUCER_DOWN', 'TRADER_MARKET', 'TRADER_EVENT', 'EVENT_ENDED'];
const REASON: Record<Cause, SuspensionReason> = {
  BET_STOP: 'BET_STOP',
  FEED_STATUS: 'FEED_STATUS',
  PRODUCER_DOWN: 'PRODUCER_DOWN',
  TRADER_MARKET: 'TRADER',
  TRADER_EVENT: 'TRADER',
  EVENT_ENDED: 'EVENT_ENDED',
};

let ts = 10;
const nextTs = () => (ts += 10);

const set: Record<Cause, (r: Rig) => Promise<unknown>> = {
  BET_STOP: (r) => feed(r, betStop(['all'])),
  // A suspended status leaves a bet stop in place: only an active status lifts it.
  FEED_STATUS: (r) => feed(r, odds([market(1, '', -1, ONE_X_TWO)], { sourceTs: nextTs() })),
  PRODUCER_DOWN: (r) => feed(r, producerDown(1)),
  TRADER_MARKET: (r) => r.engine.suspendMarket(EVENT, '1', trader),
  TRADER_EVENT: (r) => r.engine.suspendEvent(EVENT, trader),
  EVENT_ENDED: (r) => feed(r, odds([], { eventStatus: 3, sourceTs: nextTs() })),
};

/** An active odds_change lifts both the bet stop and the feed's suspended status. */
const activeOdds = (r: Rig) => feed(r, odds([market(1, '', 1, ONE_X_TWO)], { sourceTs: nextTs() }));
const clear: Record<Cause, (r: Rig) => Promise<unknown>> = {
  BET_STOP: activeOdds,
  FEED_STATUS: activeOdds,
  PRODUCER_DOWN: (r) => feed(r, producerUp(1)),
  TRADER_MARKET: (r) => r.engine.resumeMarket(EVENT, '1', trader),
  TRADER_EVENT: (r) => r.engine.resumeEvent(EVENT, trader),
  EVENT_ENDED: (r) => feed(r, odds([], { eventStatus: 1, sourceTs: nextTs() })),
};

const reasonsOf = (causes: Iterable<Cause>): SuspensionReason[] => [...new Set([...causes].map((c) => REASON[c]))].sort();

async function expectState(r: Rig, held: ReadonlySet<Cause>, step: string): Promise<void> {
  const m = await bookMarket(r, '1');
  const reasons = [...new Set(m.suspensions.map((s) => s.reason))].sort();
  assert.deepEqual(reasons, reasonsOf(held), `${step}: reasons`);
  assert.equal(m.state, held.size === 0 ? 'open' : 'suspended', `${step}: state`);
  // Suspended markets keep showing their prices; bettors see the state.
  assert.equal(Object.keys(pricesOf(m)).length, 3, `${step}: prices kept`);
}

/** Every non-empty subset of the causes, as arrays in CAUSES order. */
const subsets: Cause[][] = [];
for (let mask = 1; mask < 1 << CAUSES.length; mask++) subsets.push(CAUSES.filter((_, i) => mask & (1 << i)));

let r: Rig;
afterEach(() => r?.close());

describe('suspension matrix: a market is open only when no reason holds', () => {
  for (const order of ['in order', 'reversed'] as const) {
    test(`every combination of the ${CAUSES.length} causes, each set and then lifted ${order}`, async () => {
      for (const causes of subsets) {
        r = await rig();
        await feed(r, odds([market(1, '', 1, ONE_X_TWO)], { sourceTs: nextTs() }));
        const held = new Set<Cause>();
        for (const cause of causes) {
          await set[cause](r);
          held.add(cause);
          await expectState(r, held, `[${causes.join('+')}] after setting ${cause}`);
        }
        const lifting = order === 'in order' ? causes : [...causes].reverse();
        for (const cause of lifting) {
          if (!held.has(cause)) continue;
          await clear[cause](r);
          held.delete(cause);
          // The active odds_change lifts both feed-side causes at once.
          if (cause === 'BET_STOP' || cause === 'FEED_STATUS') {
            held.delete('BET_STOP');
            held.delete('FEED_STATUS');
          }
          await expectState(r, held, `[${causes.join('+')}] after lifting ${cause}`);
        }
        await r.close();
      }
    });
  }

  test('each change of reasons is one MarketStatusChanged delta with the reasons that hold', async () => {
    r = await rig();
    await feed(r, odds([market(1, '', 1, ONE_X_TWO)], { sourceTs: nextTs() }));
    await feed(r, betStop(['all']));
    await r.engine.suspendEvent(EVENT, trader);
    await feed(r, odds([market(1, '', 1, ONE_X_TWO)], { sourceTs: nextTs() }));
    await r.engine.resumeEvent(EVENT, trader);
    await r.deltasReach(6);
    const statuses = r.deltas.filter((d) => d.type === 'MarketStatusChanged').map((d) => (d.type === 'MarketStatusChanged' ? [d.state, d.reasons.join('+')] : []));
    assert.deepEqual(statuses, [
      ['suspended', 'BET_STOP'],
      ['suspended', 'BET_STOP+TRADER'],
      ['suspended', 'TRADER'],
      ['open', ''],
    ]);
  });
});

describe('bet_stop', () => {
  // Groups from core/market-descriptions.ts: 1 (1x2) is in all|score|regular_play, 60 (1st half
  // 1x2) in all|score|1st_half; 9999 is not described.
  test('stops only the markets of the named groups; a market of unknown groups is stopped by any', async () => {
    r = await rig();
    await feed(r, odds([market(1, '', 1, ONE_X_TWO), market(60, '', 1, ONE_X_TWO), market(9999, '', 1, TOTAL)], { sourceTs: nextTs() }));
    await feed(r, betStop(['1st_half']));
    assert.equal((await bookMarket(r, '1')).state, 'open');
    assert.equal((await bookMarket(r, '60')).state, 'suspended');
    assert.deepEqual((await bookMarket(r, '60')).suspensions.map((s) => [s.reason, s.detail]), [['BET_STOP', '1st_half']]);
    assert.equal((await bookMarket(r, '9999')).state, 'suspended');
    await feed(r, betStop(['score']));
    assert.equal((await bookMarket(r, '1')).state, 'suspended');
    assert.deepEqual((await bookMarket(r, '60')).suspensions.map((s) => s.detail), ['1st_half', 'score']);
  });

  test("'all' stops every market; an odds_change reopens only the markets it has active", async () => {
    r = await rig();
    await feed(r, odds([market(1, '', 1, ONE_X_TWO), market(18, 'total=2.5', 1, TOTAL)], { sourceTs: nextTs() }));
    await feed(r, betStop(['all']));
    await feed(r, odds([market(1, '', 1, ONE_X_TWO)], { sourceTs: nextTs() }));
    assert.equal((await bookMarket(r, '1')).state, 'open');
    assert.equal((await bookMarket(r, '18/total=2.5')).state, 'suspended');
  });

  test('a bet_stop with market_status 0 closes the markets until the feed reopens them', async () => {
    r = await rig();
    await feed(r, odds([market(1, '', 1, ONE_X_TWO)], { sourceTs: nextTs() }));
    await feed(r, betStop(['all'], { marketStatus: 0 }));
    const closed = await bookMarket(r, '1');
    assert.equal(closed.state, 'closed');
    assert.ok(closed.outcomes.every((o) => !o.active));
    await feed(r, odds([market(1, '', 1, ONE_X_TWO)], { sourceTs: nextTs() }));
    assert.equal((await bookMarket(r, '1')).state, 'open');
  });
});

describe('producer down', () => {
  test('suspends the markets of that producer only, across events, until it is up again', async () => {
    r = await rig();
    await feed(
      r,
      odds([market(1, '', 1, ONE_X_TWO)], { producer: 1, sourceTs: nextTs() }),
      odds([market(18, 'total=2.5', 1, TOTAL)], { producer: 3, sourceTs: nextTs() }),
      odds([market(1, '', 1, ONE_X_TWO)], { eventId: OTHER_EVENT, producer: 1, sourceTs: nextTs() }),
      odds([market(1, '', 1, ONE_X_TWO)], { eventId: 'sr:match:3003' as typeof EVENT, producer: 3, sourceTs: nextTs() }),
    );
    await feed(r, producerDown(1));
    assert.equal((await bookMarket(r, '1')).state, 'suspended');
    assert.deepEqual((await bookMarket(r, '1')).suspensions.map((s) => [s.reason, s.detail]), [['PRODUCER_DOWN', '1']]);
    assert.equal((await bookMarket(r, '1', OTHER_EVENT)).state, 'suspended');
    assert.equal((await bookMarket(r, '18/total=2.5')).state, 'open');
    assert.equal((await bookMarket(r, '1', 'sr:match:3003')).state, 'open');
    assert.equal((await r.engine.health!()).checks['producer:1']?.ok, false);

    await feed(r, producerUp(1));
    assert.equal((await bookMarket(r, '1')).state, 'open');
    assert.equal((await bookMarket(r, '1', OTHER_EVENT)).state, 'open');
  });

  test('odds from a producer that is down (recovery) are applied but stay suspended; new markets too', async () => {
    r = await rig();
    await feed(r, odds([market(1, '', 1, ONE_X_TWO)], { sourceTs: nextTs() }));
    await feed(r, producerDown(1));
    await feed(r, odds([market(1, '', 1, ONE_X_TWO), market(18, 'total=2.5', 1, TOTAL)], { sourceTs: nextTs() }));
    assert.equal((await bookMarket(r, '1')).state, 'suspended');
    assert.equal((await bookMarket(r, '18/total=2.5')).state, 'suspended');
    await feed(r, producerUp(1));
    assert.equal((await bookMarket(r, '18/total=2.5')).state, 'open');
  });

  test('a market handed to another producer leaves the suspension of the one that is down', async () => {
    r = await rig();
    await feed(r, odds([market(1, '', 1, ONE_X_TWO)], { producer: 3, sourceTs: nextTs() }));
    await feed(r, producerDown(3));
    assert.equal((await bookMarket(r, '1')).state, 'suspended');
    await feed(r, odds([market(1, '', 1, ONE_X_TWO)], { producer: 1, sourceTs: nextTs() }));
    const m = await bookMarket(r, '1');
    assert.equal(m.state, 'open');
    assert.equal(m.producer, 1);
  });
});

describe('event ended', () => {
  test('an ended sport_event_status suspends every market, later odds included; a delayed one does not', async () => {
    r = await rig();
    await feed(r, odds([market(1, '', 1, ONE_X_TWO)], { sourceTs: nextTs(), eventStatus: 6 }));
    assert.equal((await bookMarket(r, '1')).state, 'open');
    await feed(r, odds([market(18, 'total=2.5', 1, TOTAL)], { sourceTs: nextTs(), eventStatus: 3 }));
    for (const key of ['1', '18/total=2.5']) {
      const m = await bookMarket(r, key);
      assert.equal(m.state, 'suspended');
      assert.deepEqual(m.suspensions.map((s) => [s.reason, s.detail]), [['EVENT_ENDED', '3']]);
    }
    assert.equal(r.engine.tradingEvent(EVENT)?.phase, 'ended');
  });
});
