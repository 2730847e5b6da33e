/**
 * A scripted run of one event channel: the engine prices, the bus delivers late, again or never,
 * epochs change, clients subscribe, reconnect with `since`, stall and resume, time passes. At the
 * end the stream catches up and every client must hold exactly the engine's state, having seen
 * no gap and no duplicate on the way (EventClient asserts that on every frame).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { OddsDelta } from '../../../core/contracts/odds.ts';
import { parseChannel } from '../../../push-gateway/channels.ts';
import { createHub, EventClient, FakeEngine, settle } from './hub-harness.ts';

export type Op =
  | { op: 'price'; market: number; price: number }
  | { op: 'status'; market: number; suspended: boolean }
  | { op: 'deliver'; n: number }
  | { op: 'duplicate'; back: number }
  | { op: 'lose' }
  | { op: 'epoch' }
  | { op: 'subscribe'; client: number }
  | { op: 'reconnect'; client: number }
  | { op: 'pause'; client: number }
  | { op: 'resume'; client: number }
  | { op: 'time'; ms: number };

export const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('price' as const), market: fc.integer({ min: 0, max: 2 }), price: fc.integer({ min: 101, max: 999 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('status' as const), market: fc.integer({ min: 0, max: 2 }), suspended: fc.boolean() }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('deliver' as const), n: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('duplicate' as const), back: fc.integer({ min: 1, max: 30 }) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'lose' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'epoch' as const }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('subscribe' as const), client: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('reconnect' as const), client: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('pause' as const), client: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('resume' as const), client: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('time' as const), ms: fc.integer({ min: 1, max: 60 }) }) },
);

const EVENT = 'sr:match:1';
const CHANNEL = `event:${EVENT}`;
const channel = parseChannel(CHANNEL)!;

export async function runScenario(ops: readonly Op[], conflationWindowMs: number, historyLength: number): Promise<void> {
  const { hub, fanout, book, clock } = createHub({ conflationWindowMs, historyLength, maxSubscriptions: 5 });
  const engine = new FakeEngine(book, EVENT);
  const inFlight: OddsDelta[] = [await engine.newEpoch()];
  const delivered: OddsDelta[] = [];
  const clients = new Map<number, { client: EventClient; generation: number; paused: boolean }>();
  const deliver = (d: OddsDelta) => {
    hub.onOddsDelta(d);
    delivered.push(d);
  };
  for (const o of ops) {
    switch (o.op) {
      case 'price':
        inFlight.push(await engine.price(String(o.market + 1), { [['1', 'X', '2'][o.price % 3]!]: (o.price / 100).toFixed(2) }));
        break;
      case 'status':
        if (engine.markets.has(String(o.market + 1))) inFlight.push(await engine.status(String(o.market + 1), o.suspended ? 'suspended' : 'open'));
        break;
      case 'deliver':
        for (const d of inFlight.splice(0, o.n)) deliver(d);
        break;
      case 'duplicate':
        // At-least-once, as Kafka does it: the partition is replayed from an earlier offset, in
        // order (possibly from an older epoch), before anything new.
        for (const again of delivered.slice(-o.back)) hub.onOddsDelta(again);
        break;
      case 'lose':
        inFlight.shift();
        break;
      case 'epoch':
        inFlight.push(await engine.newEpoch());
        break;
      case 'subscribe':
      case 'reconnect': {
        const held = clients.get(o.client);
        const generation = (held?.generation ?? 0) + 1;
        const client = new EventClient(`c${o.client}.${generation}`, CHANNEL);
        let since: Map<string, { epoch: string; seq: number }> | undefined;
        if (held) {
          held.client.read(fanout);
          hub.drop(held.client.id);
          const position = held.client.position();
          if (position && o.op === 'reconnect') {
            // The same client on a new connection keeps what it holds and asks for the rest.
            Object.assign(client, position);
            for (const [k, m] of held.client.markets) client.markets.set(k, { ...m, outcomes: new Map(m.outcomes) });
            since = new Map([[CHANNEL, position]]);
          }
        }
        hub.subscribe(client.id, [channel], since);
        clients.set(o.client, { client, generation, paused: false });
        break;
      }
      case 'pause': {
        const c = clients.get(o.client);
        if (c && !c.paused) {
          hub.pause(c.client.id);
          c.paused = true;
        }
        break;
      }
      case 'resume': {
        const c = clients.get(o.client);
        if (c?.paused) {
          hub.resume(c.client.id);
          c.paused = false;
        }
        break;
      }
      case 'time':
        clock.advance(o.ms);
        break;
    }
    await settle(1);
    for (const { client } of clients.values()) client.read(fanout);
  }
  // The stream catches up and goes on (a change lost at the very end could not be noticed by
  // anyone until the next one), and every client is let go on.
  for (const d of inFlight.splice(0)) deliver(d);
  deliver(await engine.price('1', { '1': '1.01' }));
  for (const c of clients.values()) if (c.paused) hub.resume(c.client.id);
  for (let i = 0; i < 40; i++) {
    clock.advance(25);
    await settle(1);
  }
  for (const { client } of clients.values()) {
    client.read(fanout);
    assert.equal(client.epoch, engine.epoch, `${client.id} epoch`);
    assert.equal(client.seq, engine.seq, `${client.id} seq`);
    assert.deepEqual(client.view(), engine.truth(), `${client.id} state`);
  }
}
