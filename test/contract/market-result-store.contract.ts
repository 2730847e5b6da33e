/**
 * The MarketResultStore port's contract (core/ports/market-result-store.ts), run against every
 * implementation. Event ids are unique per test, so one store serves every test of a run.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isAppError } from '../../core/errors.ts';
import type { EventId } from '../../core/ids.ts';
import type { MarketResult, MarketResultStore } from '../../core/ports/market-result-store.ts';

export interface MarketResultStoreUnderTest {
  readonly store: MarketResultStore;
  cleanup(): Promise<void>;
}

let events = 0;
const nextEvent = () => `sr:match:${process.pid}${String((events += 1)).padStart(4, '0')}` as EventId;

function state(eventId: EventId, version: number, extra: Partial<MarketResult> = {}): MarketResult {
  return { eventId, marketKey: '18/total=2.5', cancels: [], seen: [`m${version}`], pending: version % 2 === 1, version, ...extra };
}

export function marketResultStoreContract(name: string, factory: () => Promise<MarketResultStoreUnderTest>, options: { skip?: string | false } = {}): void {
  describe(`MarketResultStore contract: ${name}`, { skip: options.skip ?? false }, () => {
    let under: MarketResultStoreUnderTest;
    before(async () => {
      under = await factory();
    });
    after(() => under.cleanup());

    test('a market never put has no state', async () => {
      assert.equal(await under.store.get(nextEvent(), '1'), undefined);
    });

    test('put then get returns the state, every field intact', async () => {
      const eventId = nextEvent();
      const first = state(eventId, 1, {
        settlement: { certainty: 2, messageId: 'm1', outcomes: [{ outcomeId: '12', won: true, voidFactor: '0.5', deadHeatFactor: '1' }] },
        cancels: [{ startTime: 10, messageId: 'c1' }, { endTime: 20, messageId: 'c2' }],
      });
      assert.equal(await under.store.put(first, 0), true);
      assert.deepEqual(await under.store.get(eventId, '18/total=2.5'), first);
    });

    test('writes are optimistic: only from the expected version, one version up', async () => {
      const eventId = nextEvent();
      assert.equal(await under.store.put(state(eventId, 1), 0), true);
      assert.equal(await under.store.put(state(eventId, 1), 0), false, 'a second first write');
      assert.equal(await under.store.put(state(eventId, 3), 1), false, 'a version skipped');
      assert.equal(await under.store.put(state(eventId, 2), 2), false, 'a wrong expectation');
      assert.equal(await under.store.put(state(eventId, 2), 1), true);
      assert.equal((await under.store.get(eventId, '18/total=2.5'))?.version, 2);
      assert.equal(await under.store.put(state(eventId, 2), 1), false, 'a stale writer');
    });

    test('concurrent writers from one version: exactly one wins', async () => {
      const eventId = nextEvent();
      await under.store.put(state(eventId, 1), 0);
      const wins = await Promise.all(Array.from({ length: 8 }, (_, i) => under.store.put(state(eventId, 2, { seen: [`w${i}`] }), 1)));
      assert.equal(wins.filter(Boolean).length, 1);
      const winner = wins.indexOf(true);
      assert.deepEqual((await under.store.get(eventId, '18/total=2.5'))?.seen, [`w${winner}`]);
    });

    test('markets and events are kept apart', async () => {
      const a = nextEvent();
      const b = nextEvent();
      await under.store.put(state(a, 1), 0);
      await under.store.put({ ...state(a, 1), marketKey: '1' }, 0);
      await under.store.put(state(b, 1, { pending: false }), 0);
      assert.equal((await under.store.get(a, '1'))?.marketKey, '1');
      assert.equal((await under.store.get(b, '18/total=2.5'))?.pending, false);
    });

    test('a returned state is a snapshot', async () => {
      const eventId = nextEvent();
      const written = state(eventId, 1);
      await under.store.put(written, 0);
      (written.seen as string[]).push('later');
      const read = await under.store.get(eventId, '18/total=2.5');
      assert.deepEqual(read?.seen, ['m1']);
      await under.store.put(state(eventId, 2), 1);
      assert.equal(read?.version, 1);
    });

    test('a state without its event or market is INVALID_REQUEST', async () => {
      await assert.rejects(under.store.put({ ...state(nextEvent(), 1), marketKey: '' }, 0), (e) => isAppError(e) && e.code === 'INVALID_REQUEST');
    });

    test('health is ok while open', async () => {
      assert.equal((await under.store.health()).ok, true);
    });
  });
}
