/**
 * The live list of each sport: the events in play with their score, status and main-market
 * prices, which `sport:<id>:live` channels carry. Built from the fixture catalog's changes and
 * the odds engine's deltas; the hub sequences what it publishes.
 *
 * An event enters when its fixture is live or suspended and leaves on any other status. Its main
 * market (per sport, e.g. football 1X2) is read from the PriceBook when it enters, when its epoch
 * changes or when the event stream had a gap; in between, deltas of that market are applied in
 * seq order. Deltas that arrive while a read is in flight wait for it and are applied on top.
 */
import type { Fixture, FixtureStatus } from '../core/contracts/fixtures.ts';
import type { MarketState, OddsDelta, OutcomePrice, SuspensionReason } from '../core/contracts/odds.ts';
import type { Clock } from '../core/ports/clock.ts';
import type { Logger } from '../core/ports/logger.ts';
import type { MarketView } from '../core/ports/price-book.ts';
import type { DeltaOutcome } from './channel-hub.ts';
import { mergeById, type ConflationRule } from './conflation.ts';

/** Main-market deltas held while a read is in flight or failing. */
const MAX_BUFFERED = 256;

export const LIVE_STATUSES: ReadonlySet<FixtureStatus> = new Set<FixtureStatus>(['live', 'suspended']);

/** UOF main markets of a few sports: 1X2 (football, ice hockey), winner incl. overtime, match winner. */
export const DEFAULT_MAIN_MARKETS: Readonly<Record<string, string>> = {
  'sr:sport:1': '1',
  'sr:sport:2': '219',
  'sr:sport:4': '1',
  'sr:sport:5': '186',
};

export interface LiveEvent {
  readonly eventId: string;
  readonly sportId: string;
  readonly tournament: { readonly id: string; readonly name: string };
  readonly competitors: Fixture['competitors'];
  readonly scheduledStart: string;
  readonly status: FixtureStatus;
  readonly score?: { readonly home: number; readonly away: number };
  readonly matchTime?: string;
}

export interface LiveMarket {
  readonly marketKey: string;
  readonly state: MarketState;
  readonly reasons: readonly SuspensionReason[];
  readonly outcomes: readonly OutcomePrice[];
}

/** One row of the live list snapshot. */
export interface LiveEntry extends LiveEvent {
  readonly main?: LiveMarket;
}

/** The `data` of a `sport:<id>:live` snapshot. */
export interface LiveSnapshot {
  readonly sportId: string;
  readonly events: readonly LiveEntry[];
}

/** An event entered the list or its score, status or details changed. */
export interface LiveEventUpdated {
  readonly type: 'LiveEventUpdated';
  readonly eventId: string;
  readonly event: LiveEvent;
  readonly ts: number;
}

/** An event left the list (ended, closed, cancelled...). */
export interface LiveEventRemoved {
  readonly type: 'LiveEventRemoved';
  readonly eventId: string;
  readonly ts: number;
}

/** The event's main market, whole. sourceTs is the feed's, when a delta caused it. */
export interface LiveMarketChanged {
  readonly type: 'LiveMarketChanged';
  readonly eventId: string;
  readonly market: LiveMarket;
  readonly ts: number;
  readonly sourceTs?: number;
}

export type LiveChange = LiveEventUpdated | LiveEventRemoved | LiveMarketChanged;

/**
 * All changes of one event share an entity, so removal and re-entry are never reordered; an
 * update merges into the previous one only when the status (or market state) is the same.
 */
export const liveConflation: ConflationRule<LiveChange> = {
  entity: (change) => change.eventId,
  merge(prev, next) {
    if (prev.type === 'LiveEventUpdated' && next.type === 'LiveEventUpdated' && prev.event.status === next.event.status) return next;
    if (prev.type === 'LiveMarketChanged' && next.type === 'LiveMarketChanged' && prev.market.state === next.market.state) {
      return { ...next, market: { ...next.market, outcomes: mergeById(prev.market.outcomes, next.market.outcomes) } };
    }
    return undefined;
  },
};

export interface LiveListDeps {
  readonly readMarket: (eventId: string, marketKey: string) => Promise<MarketView | undefined>;
  readonly publish: (sportId: string, change: LiveChange) => void;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface LiveListOptions {
  /** Main market key per sport id; sports not listed use `defaultMainMarket`. */
  readonly mainMarkets: Readonly<Record<string, string>>;
  readonly defaultMainMarket: string;
}

interface Main {
  readonly epoch: string;
  readonly seq: number;
  readonly market: LiveMarket;
}

interface Entry {
  event: LiveEvent;
  /** JSON of `event`, to publish only real changes. */
  eventJson: string;
  updatedTs: number;
  readonly mainKey: string;
  main: Main | undefined;
  reading: boolean;
  buffered: OddsDelta[];
}

export class LiveList {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly deps: LiveListDeps,
    private readonly options: LiveListOptions,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** A fixture's current state; older states than the one held are ignored. */
  applyFixture(fixture: Fixture): void {
    const id = fixture.eventId;
    let entry = this.entries.get(id);
    if (entry && fixture.updatedTs < entry.updatedTs) return;
    if (entry && (!LIVE_STATUSES.has(fixture.status) || entry.event.sportId !== fixture.sport.id)) {
      this.entries.delete(id);
      this.deps.publish(entry.event.sportId, { type: 'LiveEventRemoved', eventId: id, ts: this.deps.clock.now() });
      entry = undefined;
    }
    if (!LIVE_STATUSES.has(fixture.status)) return;
    const event = liveEvent(fixture);
    const eventJson = JSON.stringify(event);
    if (entry) {
      entry.updatedTs = fixture.updatedTs;
      if (entry.eventJson === eventJson) return;
      entry.event = event;
      entry.eventJson = eventJson;
      this.deps.publish(event.sportId, { type: 'LiveEventUpdated', eventId: id, event, ts: this.deps.clock.now() });
      return;
    }
    const mainKey = this.options.mainMarkets[event.sportId] ?? this.options.defaultMainMarket;
    entry = { event, eventJson, updatedTs: fixture.updatedTs, mainKey, main: undefined, reading: false, buffered: [] };
    this.entries.set(id, entry);
    this.deps.publish(event.sportId, { type: 'LiveEventUpdated', eventId: id, event, ts: this.deps.clock.now() });
    this.refresh(id, entry, false);
  }

  /** A delta the hub took in, with what the hub made of it. */
  applyDelta(delta: OddsDelta, outcome: DeltaOutcome): void {
    const entry = this.entries.get(delta.eventId);
    if (!entry || outcome === 'duplicate') return;
    const aboutMain = delta.type !== 'EpochStarted' && delta.marketKey === entry.mainKey;
    if (aboutMain && (entry.reading || entry.main === undefined || entry.main.epoch !== delta.epoch || outcome === 'restarted')) {
      entry.buffered.push(delta);
      // While reads fail the buffer must not grow without bound; the next read supersedes it anyway.
      if (entry.buffered.length > MAX_BUFFERED) entry.buffered.shift();
    }
    if (outcome === 'restarted' || delta.type === 'EpochStarted' || (aboutMain && (entry.main === undefined || entry.main.epoch !== delta.epoch))) {
      this.refresh(delta.eventId, entry, false);
      return;
    }
    if (aboutMain && !entry.reading) this.applyMain(delta.eventId, entry, delta);
  }

  snapshot(sportId: string): LiveSnapshot {
    const events: LiveEntry[] = [];
    for (const entry of this.entries.values()) {
      if (entry.event.sportId !== sportId) continue;
      events.push(entry.main ? { ...entry.event, main: entry.main.market } : entry.event);
    }
    events.sort((a, b) => (a.scheduledStart < b.scheduledStart ? -1 : a.scheduledStart > b.scheduledStart ? 1 : a.eventId < b.eventId ? -1 : 1));
    return { sportId, events };
  }

  private applyMain(eventId: string, entry: Entry, delta: OddsDelta): void {
    const main = entry.main;
    if (!main || delta.type === 'EpochStarted' || delta.epoch !== main.epoch || delta.seq <= main.seq) return;
    const market: LiveMarket =
      delta.type === 'PriceChanged'
        ? { marketKey: main.market.marketKey, state: delta.state, reasons: delta.state === 'open' ? [] : main.market.reasons, outcomes: mergeById(main.market.outcomes, delta.outcomes) }
        : { marketKey: main.market.marketKey, state: delta.state, reasons: delta.reasons, outcomes: main.market.outcomes };
    entry.main = { epoch: main.epoch, seq: delta.seq, market };
    this.deps.publish(entry.event.sportId, { type: 'LiveMarketChanged', eventId, market, ts: this.deps.clock.now(), sourceTs: delta.sourceTs });
  }

  /**
   * Reads the main market whole, then applies the deltas that arrived meanwhile. Deltas of an
   * epoch the read did not see get one more read; after that the next delta triggers one.
   */
  private refresh(eventId: string, entry: Entry, again: boolean): void {
    if (entry.reading) return;
    entry.reading = true;
    this.deps.readMarket(eventId, entry.mainKey).then(
      (view) => {
        entry.reading = false;
        if (this.entries.get(eventId) !== entry) return;
        const buffered = entry.buffered;
        entry.buffered = [];
        if (view) {
          const m = view.market;
          const market: LiveMarket = {
            marketKey: m.marketKey,
            state: m.state,
            reasons: m.suspensions.map((s) => s.reason),
            outcomes: m.outcomes.map((o) => ({ outcomeId: o.outcomeId, ...(o.price === undefined ? {} : { price: o.price }), active: o.active })),
          };
          entry.main = { epoch: view.epoch, seq: view.seq, market };
          this.deps.publish(entry.event.sportId, { type: 'LiveMarketChanged', eventId, market, ts: this.deps.clock.now() });
        }
        const unseen = buffered.filter((d) => !entry.main || d.epoch !== entry.main.epoch);
        for (const d of buffered) if (entry.main && d.epoch === entry.main.epoch) this.applyMain(eventId, entry, d);
        if (unseen.length > 0 && !again) {
          entry.buffered = unseen;
          this.refresh(eventId, entry, true);
        }
      },
      (error: unknown) => {
        entry.reading = false;
        this.deps.logger.warn({ err: error, eventId }, 'live list: main market read failed');
      },
    );
  }
}

function liveEvent(f: Fixture): LiveEvent {
  return {
    eventId: f.eventId,
    sportId: f.sport.id,
    tournament: { id: f.tournament.id, name: f.tournament.name },
    competitors: f.competitors,
    scheduledStart: f.scheduledStart,
    status: f.status,
    ...(f.score ? { score: { home: f.score.home, away: f.score.away } } : {}),
    ...(f.matchTime === undefined ? {} : { matchTime: f.matchTime }),
  };
}
