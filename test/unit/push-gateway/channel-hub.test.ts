import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { OddsDelta } from '../../../core/contracts/odds.ts';
import { InMemoryPriceBook } from '../../../adapters/price-book/in-memory-price-book.ts';
import { parseChannel, type Channel } from '../../../push-gateway/channels.ts';
import { deferred } from '../../support/wait.ts';
import { createHub, EventClient, FakeEngine, settle } from './hub-harness.ts';
import { opArbitrary, runScenario } from './hub-scenario.ts';

const EVENT = 'sr:match:1';
const CHANNEL = `event:${EVENT}`;
const ch = (name: string): Channel => parseChannel(name)!;

describe('ChannelHub: event channels', () => {
  test('a subscriber gets a snapshot, then every later change once and in order', async () => {
    const { hub, fanout, book } = createHub();
    const engine = new FakeEngine(book, EVENT);
    hub.onOddsDelta(await engine.newEpoch());
    hub.onOddsDelta(await engine.price('1', { '1': '2.10', X: '3.40', '2': '3.10' }));
    await settle();

    const client = new EventClient('a', CHANNEL);
    assert.deepEqual(hub.subscribe('a', [ch(CHANNEL)]), { ok: true });
    await settle();
    client.read(fanout);
    assert.equal(client.snapshots, 1);
    assert.equal(client.seq, 2);

    for (let i = 0; i < 10; i++) hub.onOddsDelta(await engine.price(i % 2 ? '1' : '18/total=2.5', { '1': `2.${10 + i}` }));
    hub.onOddsDelta(await engine.status('1', 'suspended'));
    await settle();
    client.read(fanout);
    assert.equal(client.seq, engine.seq);
    assert.deepEqual(client.view(), engine.truth());
  });

  test('the snapshot never carries the trading view', async () => {
    const { hub, fanout, book } = createHub();
    const engine = new FakeEngine(book, EVENT);
    hub.onOddsDelta(await engine.newEpoch());
    hub.onOddsDelta(await engine.status((await engine.price('1', {}), '1'), 'suspended'));
    hub.subscribe('a', [ch(CHANNEL)]);
    await settle();
    const json = JSON.stringify(fanout.framesOf('a')[0]);
    for (const field of ['fair', 'providerOdds', 'shiftTicks', 'margin', 'overround', 'producer', 'jane']) assert.ok(!json.includes(field), `${field} leaked: ${json}`);
    assert.match(json, /"reasons":\["TRADER"\]/);
  });

  test('changes the stream delivers while the snapshot is read are sent after it, none twice', async () => {
    const book = new InMemoryPriceBook();
    const gate = deferred();
    // The read sees the book as it is when called and returns only when the test says.
    const { hub, fanout } = createHub({}, { readEvent: async (id) => { const b = await book.getEvent(id); await gate.promise; return b; } }, book);
    const engine = new FakeEngine(book, EVENT);
    hub.onOddsDelta(await engine.newEpoch());
    hub.onOddsDelta(await engine.price('1', {}));
    await settle();

    hub.subscribe('a', [ch(CHANNEL)]);
    for (let i = 0; i < 3; i++) hub.onOddsDelta(await engine.price('1', { '1': `3.${i}0` }));
    await settle();
    assert.equal(fanout.framesOf('a').length, 0, 'nothing before the snapshot');
    gate.resolve();
    await settle();
    const client = new EventClient('a', CHANNEL);
    client.read(fanout);
    assert.deepEqual(fanout.framesOf('a').map((f) => f.event), ['snapshot', 'delta']);
    assert.equal(client.seq, 5);
    assert.deepEqual(client.view(), engine.truth());
  });

  test('a snapshot ahead of the stream skips the changes it already holds', async () => {
    const { hub, fanout, book } = createHub();
    const engine = new FakeEngine(book, EVENT);
    const held: OddsDelta[] = [await engine.newEpoch(), await engine.price('1', {})];
    hub.onOddsDelta(held.shift()!);
    // The engine wrote seq 2..4 to the PriceBook; the bus has not delivered them yet.
    held.push(await engine.price('1', { X: '3.00' }), await engine.price('1', { X: '3.05' }));
    hub.subscribe('a', [ch(CHANNEL)]);
    await settle();
    const client = new EventClient('a', CHANNEL);
    client.read(fanout);
    assert.equal(client.seq, 4);
    for (const d of held) hub.onOddsDelta(d);
    hub.onOddsDelta(await engine.price('1', { X: '3.10' }));
    await settle();
    client.read(fanout);
    assert.equal(client.seq, 5);
    assert.equal(client.deltas, 1, 'only seq 5 was new to it');
    assert.deepEqual(client.view(), engine.truth());
  });

  test('resume with since: exactly the missed changes; a fresh snapshot when the history no longer reaches', async () => {
    const { hub, fanout, book, prom } = createHub({ historyLength: 8 });
    const engine = new FakeEngine(book, EVENT);
    hub.onOddsDelta(await engine.newEpoch());
    hub.subscribe('a', [ch(CHANNEL)]);
    await settle();
    const first = new EventClient('a', CHANNEL);
    for (let i = 0; i < 3; i++) hub.onOddsDelta(await engine.price('1', { '1': `2.${i}0` }));
    await settle();
    first.read(fanout);
    hub.drop('a');

    for (let i = 0; i < 5; i++) hub.onOddsDelta(await engine.price('1', { X: `4.${i}0` }));
    await settle();
    // The same client on a new connection: it keeps its state and asks for what it missed.
    const again = Object.assign(new EventClient('a2', CHANNEL), { epoch: first.epoch, seq: first.seq });
    for (const [k, m] of first.markets) again.markets.set(k, { ...m, outcomes: new Map(m.outcomes) });
    hub.subscribe('a2', [ch(CHANNEL)], new Map([[CHANNEL, first.position()!]]));
    await settle();
    again.read(fanout);
    assert.equal(again.resumes, 1);
    assert.equal(again.snapshots, 0);
    assert.equal(again.deltas, 5);
    assert.deepEqual(again.view(), engine.truth());

    hub.drop('a2');
    for (let i = 0; i < 12; i++) hub.onOddsDelta(await engine.price('1', { '2': `5.${i}0` }));
    hub.subscribe('a3', [ch(CHANNEL)], new Map([[CHANNEL, again.position()!]]));
    await settle();
    const third = new EventClient('a3', CHANNEL);
    third.read(fanout);
    assert.equal(third.snapshots, 1, 'history of 8 does not reach 12 back');
    assert.deepEqual(third.view(), engine.truth());

    hub.subscribe('a4', [ch(CHANNEL)], new Map([[CHANNEL, { epoch: 'another', seq: 3 }]]));
    await settle();
    assert.equal(fanout.framesOf('a4')[0]?.event, 'snapshot');
    const text = await prom.render();
    assert.match(text, /sb_push_resumes_total\{result="resumed"\} 1/);
    assert.match(text, /sb_push_resumes_total\{result="snapshot"\} 2/);
  });

  test('a new epoch gives attached subscribers a fresh snapshot of it', async () => {
    const { hub, fanout, book } = createHub();
    const engine = new FakeEngine(book, EVENT);
    hub.onOddsDelta(await engine.newEpoch());
    hub.onOddsDelta(await engine.price('1', {}));
    hub.subscribe('a', [ch(CHANNEL)]);
    await settle();
    const client = new EventClient('a', CHANNEL);
    client.read(fanout);
    const oldEpoch = client.epoch;

    hub.onOddsDelta(await engine.newEpoch());
    hub.onOddsDelta(await engine.price('18/total=2.5', { '1': '1.90' }));
    await settle();
    client.read(fanout);
    assert.notEqual(client.epoch, oldEpoch);
    assert.equal(client.snapshots, 2);
    assert.deepEqual(client.view(), engine.truth());
    hub.onOddsDelta(await engine.price('18/total=2.5', { '1': '1.95' }));
    await settle();
    client.read(fanout);
    assert.deepEqual(client.view(), engine.truth());
  });

  test('a gap in the stream re-syncs subscribers; duplicates are dropped', async () => {
    const { hub, fanout, book, prom } = createHub();
    const engine = new FakeEngine(book, EVENT);
    hub.onOddsDelta(await engine.newEpoch());
    hub.subscribe('a', [ch(CHANNEL)]);
    await settle();
    const client = new EventClient('a', CHANNEL);
    const d2 = await engine.price('1', {});
    assert.equal(hub.onOddsDelta(d2), 'accepted');
    assert.equal(hub.onOddsDelta(d2), 'duplicate');
    await engine.price('1', { '1': '9.00' }); // seq 3 never arrives
    assert.equal(hub.onOddsDelta(await engine.price('1', { X: '9.00' })), 'restarted');
    await settle();
    client.read(fanout);
    assert.equal(client.snapshots, 2);
    assert.equal(client.seq, 4);
    assert.deepEqual(client.view(), engine.truth());
    assert.match(await prom.render(), /sb_push_dropped_total\{reason="duplicate"\} 1/);
  });

  test('an event the PriceBook does not hold yet: an empty snapshot, then the real one', async () => {
    const { hub, fanout, book } = createHub();
    hub.subscribe('a', [ch(CHANNEL)]);
    await settle();
    assert.deepEqual(fanout.framesOf('a')[0], { event: 'snapshot', body: { channel: CHANNEL, epoch: 'none', seq: 0, data: { eventId: EVENT, markets: [] } } });
    const engine = new FakeEngine(book, EVENT);
    hub.onOddsDelta(await engine.newEpoch());
    hub.onOddsDelta(await engine.price('1', {}));
    await settle();
    const client = new EventClient('a', CHANNEL);
    client.read(fanout);
    assert.equal(client.epoch, engine.epoch);
    assert.deepEqual(client.view(), engine.truth());
  });

  test('a PriceBook that disagrees with the stream is read again, then the subscriber is told', async () => {
    const { hub, fanout, book, clock } = createHub({ snapshotAttempts: 3, snapshotRetryMs: 20 });
    const engine = new FakeEngine(book, EVENT);
    hub.onOddsDelta(await engine.newEpoch());
    await book.remove(EVENT);
    hub.subscribe('a', [ch(CHANNEL)]);
    await settle();
    assert.equal(fanout.framesOf('a').length, 0);
    clock.advance(20);
    await settle();
    clock.advance(20);
    await settle();
    assert.deepEqual(fanout.framesOf('a').map((f) => f.event), ['error']);
    assert.equal((fanout.framesOf('a')[0]!.body as { code: string }).code, 'EVENT_NOT_FOUND');
    assert.deepEqual(hub.channelsOf('a'), []);
  });

  test('a failing PriceBook read ends in DEPENDENCY_UNAVAILABLE', async () => {
    const { hub, fanout, clock } = createHub({ snapshotAttempts: 2 }, { readEvent: () => Promise.reject(new Error('connection refused')) });
    hub.subscribe('a', [ch(CHANNEL)]);
    await settle();
    clock.advance(20);
    await settle();
    assert.equal((fanout.framesOf('a')[0]?.body as { code?: string }).code, 'DEPENDENCY_UNAVAILABLE');
  });

  test('subscribers on one channel share one snapshot read and one frame per flush', async () => {
    let reads = 0;
    const book = new InMemoryPriceBook();
    const { hub, fanout } = createHub({}, { readEvent: (id) => ((reads += 1), book.getEvent(id)) }, book);
    const engine = new FakeEngine(book, EVENT);
    hub.onOddsDelta(await engine.newEpoch());
    for (let i = 0; i < 50; i++) hub.subscribe(`s${i}`, [ch(CHANNEL)]);
    await settle();
    assert.equal(reads, 1);
    const before = fanout.publishes;
    hub.onOddsDelta(await engine.price('1', {}));
    await settle();
    assert.equal(fanout.publishes - before, 1);
    assert.equal(fanout.rooms.get(CHANNEL)?.size, 50);
  });
});

describe('ChannelHub: conflation', () => {
  test('within the window only the latest price per outcome goes out; a suspension is kept', async () => {
    const { hub, fanout, book, clock, prom } = createHub({ conflationWindowMs: 100 });
    const engine = new FakeEngine(book, EVENT);
    hub.onOddsDelta(await engine.newEpoch());
    hub.subscribe('a', [ch(CHANNEL)]);
    await settle();
    const client = new EventClient('a', CHANNEL);
    client.read(fanout);

    clock.advance(500);
    hub.onOddsDelta(await engine.price('1', { '1': '2.00' }));
    await settle();
    assert.equal(client.read(fanout), 1, 'the first change after a quiet spell leaves at once');
    for (const p of ['2.02', '2.04', '2.06']) hub.onOddsDelta(await engine.price('1', { '1': p }));
    hub.onOddsDelta(await engine.status('1', 'suspended'));
    hub.onOddsDelta(await engine.status('1', 'open'));
    for (const p of ['2.10', '2.12']) hub.onOddsDelta(await engine.price('1', { '1': p }));
    await settle();
    assert.equal(client.read(fanout), 0, 'held for the window');
    clock.advance(100);
    await settle();
    const frames = fanout.framesOf('a');
    const last = frames[frames.length - 1]!.body as unknown as { changes: OddsDelta[] };
    assert.deepEqual(
      last.changes.map((c) => `${c.type}:${c.type === 'PriceChanged' ? c.outcomes.map((o) => o.price).join() : 'state' in c ? c.state : ''}`),
      ['PriceChanged:2.06', 'MarketStatusChanged:suspended', 'MarketStatusChanged:open', 'PriceChanged:2.12'],
    );
    client.read(fanout);
    assert.deepEqual(client.view(), engine.truth());
    assert.match(await prom.render(), /sb_push_conflated_total\{kind="event"\} 3/);
  });

  test('a resuming client still gets every change, unconflated, from the history', async () => {
    const { hub, fanout, book, clock } = createHub({ conflationWindowMs: 100 });
    const engine = new FakeEngine(book, EVENT);
    hub.onOddsDelta(await engine.newEpoch());
    await settle();
    for (const p of ['2.02', '2.04', '2.06']) hub.onOddsDelta(await engine.price('1', { '1': p }));
    clock.advance(100);
    await settle();
    hub.subscribe('a', [ch(CHANNEL)], new Map([[CHANNEL, { epoch: engine.epoch, seq: 1 }]]));
    await settle();
    const delta = fanout.framesOf('a').find((f) => f.event === 'delta')!.body as unknown as { changes: unknown[] };
    assert.equal(delta.changes.length, 3);
  });
});

describe('ChannelHub: subscribers', () => {
  test('at most maxSubscriptions channels per subscriber, all or none', () => {
    const { hub } = createHub({ maxSubscriptions: 2 });
    assert.deepEqual(hub.subscribe('a', [ch('event:sr:match:1'), ch('event:sr:match:2')]), { ok: true });
    assert.deepEqual(hub.subscribe('a', [ch('event:sr:match:1')]), { ok: true }, 'resubscribing counts nothing new');
    const refused = hub.subscribe('a', [ch('event:sr:match:3'), ch('player:p')]);
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.code, 'SUBSCRIPTION_LIMIT');
    assert.deepEqual(hub.channelsOf('a'), ['event:sr:match:1', 'event:sr:match:2']);
    hub.unsubscribe('a', ['event:sr:match:2']);
    assert.deepEqual(hub.subscribe('a', [ch('event:sr:match:3')]), { ok: true });
  });

  test('a paused subscriber is sent nothing, then catches up from the history or a snapshot', async () => {
    const { hub, fanout, book, prom } = createHub({ historyLength: 8 });
    const engine = new FakeEngine(book, EVENT);
    hub.onOddsDelta(await engine.newEpoch());
    hub.subscribe('a', [ch(CHANNEL)]);
    await settle();
    const client = new EventClient('a', CHANNEL);
    client.read(fanout);

    hub.pause('a');
    for (let i = 0; i < 4; i++) hub.onOddsDelta(await engine.price('1', { '1': `2.${i}0` }));
    await settle();
    assert.equal(client.read(fanout), 0);
    hub.resume('a');
    await settle();
    assert.equal(client.read(fanout), 1, 'one catch-up frame');
    assert.equal(client.snapshots, 1);
    assert.deepEqual(client.view(), engine.truth());

    hub.pause('a');
    for (let i = 0; i < 20; i++) hub.onOddsDelta(await engine.price('1', { X: `3.${i}0` }));
    await settle();
    hub.resume('a');
    await settle();
    client.read(fanout);
    assert.equal(client.snapshots, 2, 'the history no longer reached: snapshot on catch-up');
    assert.deepEqual(client.view(), engine.truth());
    assert.match(await prom.render(), /sb_push_dropped_total\{reason="slow_consumer"\} \d+/);
  });

  test('player channels: sequenced by the hub, the recent updates are the snapshot', async () => {
    const { hub, fanout } = createHub();
    for (let i = 1; i <= 7; i++) hub.publish('player:p1', { type: 'BetSettled', playerId: 'p1', n: i });
    hub.publish('player:p2', { type: 'BetAccepted', playerId: 'p2', n: 1 });
    await settle();
    hub.subscribe('a', [ch('player:p1')]);
    await settle();
    const [snapshot] = fanout.framesOf('a');
    assert.equal(snapshot?.event, 'snapshot');
    const body = snapshot!.body as { epoch: string; seq: number; data: { updates: Array<{ n: number }> } };
    assert.equal(body.seq, 7);
    assert.deepEqual(body.data.updates.map((u) => u.n), [3, 4, 5, 6, 7]);
    hub.publish('player:p1', { type: 'BetSettled', playerId: 'p1', n: 8 });
    await settle();
    assert.deepEqual(fanout.framesOf('a')[1], { event: 'delta', body: { channel: 'player:p1', epoch: body.epoch, from: 8, seq: 8, changes: [{ type: 'BetSettled', playerId: 'p1', n: 8 }] } });
  });

  test('idle channels are forgotten once their history has aged out', async () => {
    const { hub, book, clock } = createHub({ historyMaxAgeMs: 1000 });
    const engine = new FakeEngine(book, EVENT);
    hub.onOddsDelta(await engine.newEpoch());
    hub.publish('player:p1', { type: 'BetAccepted', playerId: 'p1' });
    await settle();
    hub.subscribe('a', [ch('player:p1')]);
    await settle();
    assert.equal(hub.channelCount, 2);
    clock.advance(1001);
    hub.prune();
    assert.equal(hub.channelCount, 1, 'the subscribed player channel stays');
    const epoch = hub.position('player:p1')?.epoch;
    hub.drop('a');
    hub.prune();
    assert.equal(hub.channelCount, 0);
    hub.publish('player:p1', { type: 'BetSettled', playerId: 'p1' });
    assert.notEqual(hub.position('player:p1')?.epoch, epoch, 'a channel created again gets a new epoch');
  });
});

describe('ChannelHub: any interleaving', () => {
  test('every client ends holding exactly the engine state, with no gap or duplicate on the way', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArbitrary, { minLength: 10, maxLength: 120, size: 'max' }), fc.constantFrom(0, 25), fc.constantFrom(4, 64), runScenario),
      { numRuns: 300 },
    );
  });
});

describe('ChannelHub: epochs', () => {
  test('a late redelivery from an epoch the stream has left is dropped, not taken for a rebuild', async () => {
    const { hub, fanout, book } = createHub();
    const engine = new FakeEngine(book, EVENT);
    const first = await engine.newEpoch();
    hub.onOddsDelta(first);
    const old = await engine.price('1', {});
    hub.onOddsDelta(old);
    hub.onOddsDelta(await engine.newEpoch());
    hub.subscribe('a', [ch(CHANNEL)]);
    await settle();
    assert.equal(hub.onOddsDelta(old), 'duplicate');
    assert.equal(hub.onOddsDelta(first), 'duplicate');
    hub.onOddsDelta(await engine.price('1', { '1': '7.00' }));
    await settle();
    const client = new EventClient('a', CHANNEL);
    client.read(fanout);
    assert.equal(client.snapshots, 1, 'no re-sync for a stale message');
    assert.deepEqual(client.view(), engine.truth());
  });
});
