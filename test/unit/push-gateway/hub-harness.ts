/**
 * Test doubles for the channel hub: a Fanout that records what each subscriber would receive,
 * an odds engine that writes a PriceBook and returns the deltas it would publish, and a client
 * that applies frames the way a real one must (and fails on any gap or duplicate).
 */
import assert from 'node:assert/strict';
import type { MarketState, OddsDelta, PricedMarket } from '../../../core/contracts/odds.ts';
import type { EventId } from '../../../core/ids.ts';
import type { OddsString } from '../../../core/odds.ts';
import type { PriceBook } from '../../../core/ports/price-book.ts';
import { silentLogger } from '../../../core/ports/logger.ts';
import { PromMetrics } from '../../../adapters/metrics/prom-metrics.ts';
import { InMemoryPriceBook } from '../../../adapters/price-book/in-memory-price-book.ts';
import { ChannelHub, type ChannelHubOptions, type ChannelSources, type Fanout } from '../../../push-gateway/channel-hub.ts';
import { gatewayMetrics, type GatewayMetrics } from '../../../push-gateway/gateway-metrics.ts';
import type { EventSnapshot } from '../../../push-gateway/bettor-view.ts';
import type { DeltaFrame, OutFrame, SnapshotFrame } from '../../../push-gateway/wire.ts';
import { ManualClock } from '../../support/manual-clock.ts';

export class RecordingFanout implements Fanout {
  readonly protocol = 'test';
  readonly rooms = new Map<string, Set<string>>();
  readonly received = new Map<string, OutFrame[]>();
  publishes = 0;

  publish(channel: string, frame: OutFrame): void {
    this.publishes += 1;
    for (const id of this.rooms.get(channel) ?? []) this.push(id, frame);
  }
  send(ids: readonly string[], frame: OutFrame): void {
    for (const id of ids) this.push(id, frame);
  }
  attach(channel: string, id: string): void {
    const room = this.rooms.get(channel) ?? new Set<string>();
    room.add(id);
    this.rooms.set(channel, room);
  }
  detach(channel: string, id: string): void {
    this.rooms.get(channel)?.delete(id);
  }
  framesOf(id: string): OutFrame[] {
    return this.received.get(id) ?? [];
  }
  private push(id: string, frame: OutFrame): void {
    const list = this.received.get(id) ?? [];
    list.push(frame);
    this.received.set(id, list);
  }
}

export const HUB_OPTIONS: ChannelHubOptions = {
  historyLength: 16,
  playerHistoryLength: 5,
  historyMaxAgeMs: 60_000,
  conflationWindowMs: 0,
  maxSubscriptions: 10,
  snapshotRetryMs: 20,
  snapshotAttempts: 5,
};

export interface HubSetup {
  readonly hub: ChannelHub;
  readonly fanout: RecordingFanout;
  readonly clock: ManualClock;
  readonly book: InMemoryPriceBook;
  readonly metrics: GatewayMetrics;
  readonly prom: PromMetrics;
}

export function createHub(options: Partial<ChannelHubOptions> = {}, sources: Partial<ChannelSources> = {}, book = new InMemoryPriceBook()): HubSetup {
  const fanout = new RecordingFanout();
  const clock = new ManualClock();
  const prom = new PromMetrics();
  const metrics = gatewayMetrics(prom);
  let epochs = 0;
  const hub = new ChannelHub(
    {
      fanout,
      clock,
      logger: silentLogger,
      metrics,
      sources: { readEvent: (id) => book.getEvent(id), liveSnapshot: () => ({ events: [] }), ...sources },
      newEpoch: () => `g${++epochs}`,
    },
    { ...HUB_OPTIONS, ...options },
  );
  return { hub, fanout, clock, book, metrics, prom };
}

/** Lets promises and queued microtasks run (reads, flushes). */
export async function settle(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

const OUTCOMES = ['1', 'X', '2'];

/**
 * One event as the odds engine would price it: every change is applied to the PriceBook first
 * and the delta returned for the test to deliver (or not, or twice) when it chooses.
 */
export class FakeEngine {
  epoch = '';
  seq = 0;
  readonly markets = new Map<string, PricedMarket>();
  private epochs = 0;

  constructor(
    readonly book: PriceBook,
    readonly eventId: string,
    private readonly clock: { now(): number } = { now: () => 1_763_800_000_000 },
  ) {}

  /** A new epoch: state rebuilt from nothing. */
  async newEpoch(): Promise<OddsDelta> {
    this.epochs += 1;
    this.epoch = `${this.eventId}/e${this.epochs}`;
    this.seq = 1;
    this.markets.clear();
    await this.book.apply({ eventId: this.eventId, epoch: this.epoch, seq: 1, ts: this.clock.now(), sportId: 'sr:sport:1', markets: [], replace: true });
    return { ...this.meta(), type: 'EpochStarted' };
  }

  async price(marketKey: string, prices: Record<string, string>, state: MarketState = 'open'): Promise<OddsDelta> {
    this.seq += 1;
    const before = this.markets.get(marketKey);
    const outcomes = OUTCOMES.map((id) => {
      const old = before?.outcomes.find((o) => o.outcomeId === id);
      const p = prices[id];
      return p === undefined && old ? old : { outcomeId: id, price: (p ?? '2.00') as OddsString, active: true, version: this.seq };
    });
    const market: PricedMarket = { marketKey, marketId: Number(marketKey.split('/')[0]), specifiers: '', state, suspensions: state === 'suspended' ? [{ reason: 'BET_STOP', since: 0 }] : [], outcomes, producer: 1, margin: 0.05, version: this.seq };
    this.markets.set(marketKey, market);
    await this.book.apply({ eventId: this.eventId, epoch: this.epoch, seq: this.seq, ts: this.clock.now(), markets: [market] });
    const changed = outcomes.filter((o) => o.version === this.seq).map((o) => ({ outcomeId: o.outcomeId, ...(o.price === undefined ? {} : { price: o.price }), active: o.active }));
    return { ...this.meta(), type: 'PriceChanged', marketKey, state, outcomes: changed };
  }

  async status(marketKey: string, state: MarketState): Promise<OddsDelta> {
    this.seq += 1;
    const before = this.markets.get(marketKey);
    assert.ok(before, `status of unknown market ${marketKey}`);
    const market: PricedMarket = { ...before, state, suspensions: state === 'suspended' ? [{ reason: 'TRADER', detail: 'jane', since: 0 }] : [], version: this.seq };
    this.markets.set(marketKey, market);
    await this.book.apply({ eventId: this.eventId, epoch: this.epoch, seq: this.seq, ts: this.clock.now(), markets: [market] });
    return { ...this.meta(), type: 'MarketStatusChanged', marketKey, state, reasons: market.suspensions.map((s) => s.reason) };
  }

  /** What a client should hold: market → state and prices. */
  truth(): string[] {
    return project([...this.markets.values()].map((m) => ({ marketKey: m.marketKey, state: m.state, outcomes: m.outcomes.map((o) => ({ outcomeId: o.outcomeId, price: o.price })) })));
  }

  private meta() {
    return { v: 1 as const, eventId: this.eventId as EventId, epoch: this.epoch, seq: this.seq, ts: this.clock.now(), sourceTs: this.clock.now() - 5, traceId: `t-${this.seq}` };
  }
}

function project(markets: ReadonlyArray<{ marketKey: string; state: string; outcomes: ReadonlyArray<{ outcomeId: string; price?: string | undefined }> }>): string[] {
  return markets
    .map((m) => `${m.marketKey}:${m.state}:${[...m.outcomes].sort((a, b) => a.outcomeId.localeCompare(b.outcomeId)).map((o) => `${o.outcomeId}=${o.price ?? '-'}`).join(',')}`)
    .sort();
}

/**
 * A client of one event channel. It applies snapshots and deltas exactly as the protocol says
 * and asserts, for every frame, that nothing is missing or repeated.
 */
export class EventClient {
  epoch: string | undefined;
  seq = -1;
  readonly markets = new Map<string, { marketKey: string; state: string; outcomes: Map<string, string | undefined> }>();
  snapshots = 0;
  resumes = 0;
  deltas = 0;
  private consumed = 0;

  constructor(
    readonly id: string,
    readonly channel: string,
  ) {}

  /** Applies the frames received since the last call; returns how many. */
  read(fanout: RecordingFanout): number {
    const frames = fanout.framesOf(this.id);
    const fresh = frames.slice(this.consumed);
    this.consumed = frames.length;
    for (const frame of fresh) this.apply(frame);
    return fresh.length;
  }

  /** Starts over as a reconnecting client would (the next frames start a new stream). */
  skipPending(fanout: RecordingFanout): void {
    this.consumed = fanout.framesOf(this.id).length;
  }

  position(): { epoch: string; seq: number } | undefined {
    return this.epoch === undefined ? undefined : { epoch: this.epoch, seq: this.seq };
  }

  view(): string[] {
    return project([...this.markets.values()].map((m) => ({ marketKey: m.marketKey, state: m.state, outcomes: [...m.outcomes].map(([outcomeId, price]) => ({ outcomeId, price })) })));
  }

  private apply(frame: OutFrame): void {
    if (frame.event === 'error') assert.fail(`${this.id}: error frame ${JSON.stringify(frame.body)}`);
    if ('channel' in frame.body && frame.body.channel !== this.channel) return;
    if (frame.event === 'snapshot') {
      const body = frame.body as SnapshotFrame;
      const data = body.data as EventSnapshot;
      this.markets.clear();
      for (const m of data.markets) this.markets.set(m.marketKey, { marketKey: m.marketKey, state: m.state, outcomes: new Map(m.outcomes.map((o) => [o.outcomeId, o.price])) });
      this.epoch = body.epoch;
      this.seq = body.seq;
      this.snapshots += 1;
      return;
    }
    if (frame.event === 'resumed') {
      assert.equal(frame.body.epoch, this.epoch, `${this.id}: resumed in another epoch`);
      assert.equal(frame.body.seq, this.seq, `${this.id}: resumed at another seq`);
      this.resumes += 1;
      return;
    }
    const body = frame.body as DeltaFrame;
    assert.equal(body.epoch, this.epoch, `${this.id}: delta of epoch ${body.epoch} while holding ${this.epoch}`);
    assert.equal(body.from, this.seq + 1, `${this.id}: gap or duplicate: holds ${this.seq}, frame starts at ${body.from}`);
    assert.ok(body.seq >= body.from, `${this.id}: empty range`);
    this.seq = body.seq;
    this.deltas += body.changes.length;
    for (const c of body.changes as OddsDelta[]) {
      assert.ok(c.seq <= body.seq && c.seq >= body.from, `${this.id}: change ${c.seq} outside its frame ${body.from}..${body.seq}`);
      if (c.type === 'EpochStarted') {
        this.markets.clear();
        continue;
      }
      const m = this.markets.get(c.marketKey) ?? { marketKey: c.marketKey, state: c.state, outcomes: new Map<string, string | undefined>() };
      m.state = c.state;
      if (c.type === 'PriceChanged') for (const o of c.outcomes) m.outcomes.set(o.outcomeId, o.price);
      this.markets.set(c.marketKey, m);
    }
  }
}

