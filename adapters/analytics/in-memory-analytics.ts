import { AppError } from '../../core/errors.ts';
import { fromMinor, type Currency, type Minor } from '../../core/money.ts';
import type { Counter, Metrics } from '../../core/ports/metrics.ts';
import type {
  AnalyticsStore,
  BetAcceptedFact,
  BetFact,
  GgrQuery,
  GgrRow,
  LiabilityQuery,
  LiabilityRow,
  PriceFact,
  PriceHistoryQuery,
  PricePoint,
} from '../../core/ports/analytics.ts';
import { checkBetFacts, checkGgrQuery, checkLiabilityQuery, checkPriceFacts, checkPriceHistoryQuery, utcDay } from './analytics-checks.ts';

export interface InMemoryAnalyticsOptions {
  /** Bets kept; past it the bet first seen is forgotten with all its facts. Default 200,000. */
  readonly maxBets?: number;
  /** Price points kept per market, the most recent. Default 5,000. */
  readonly maxPointsPerMarket?: number;
  /** Markets with a price history; past it the one written least recently is forgotten. Default 20,000. */
  readonly maxMarkets?: number;
  /** Counts what the bounds forget (`sb_analytics_rows_dropped_total{reason="evicted"}`). */
  readonly metrics?: Metrics;
}

interface BetRecord {
  accepted?: BetAcceptedFact;
  /** The fact with the highest version: the state in force. */
  latest: BetFact;
}

interface MarketHistory {
  /** Ordered by (ts, seq, outcomeId, epoch), as ClickHouse orders them. */
  readonly points: PricePoint[];
  /** epoch|seq|outcomeId of every point held: the dedup of redelivered deltas. */
  readonly ids: Set<string>;
}

type Status = 'open' | 'settled' | 'cancelled';

const STATUS_OF: Readonly<Record<BetFact['kind'], Status>> = {
  accepted: 'open',
  reopened: 'open',
  settled: 'settled',
  resettled: 'settled',
  cancelled: 'cancelled',
};

function comparePoints(a: PricePoint, b: PricePoint): number {
  if (a.ts !== b.ts) return a.ts - b.ts;
  if (a.seq !== b.seq) return a.seq - b.seq;
  if (a.outcomeId !== b.outcomeId) return a.outcomeId < b.outcomeId ? -1 : 1;
  return a.epoch < b.epoch ? -1 : a.epoch > b.epoch ? 1 : 0;
}

/**
 * The AnalyticsStore of the embedded mode: the same facts, the same dedup and the same answers as
 * the ClickHouse store, computed from maps. Writes are stored at once (recordBets resolves
 * immediately, nothing is buffered, flush() has nothing to do).
 *
 * Its limits: everything is lost on exit; it holds at most `maxBets` bets and `maxPointsPerMarket`
 * points in each of `maxMarkets` markets, forgetting the oldest beyond that (counted), so reports
 * cover what it still holds. A redelivered price point older than what a market still holds may
 * come back until it is forgotten again. Reports scan every bet held: O(bets) per call.
 */
export class InMemoryAnalytics implements AnalyticsStore {
  private readonly bets = new Map<string, BetRecord>();
  private readonly markets = new Map<string, MarketHistory>();
  private readonly maxBets: number;
  private readonly maxPointsPerMarket: number;
  private readonly maxMarkets: number;
  private readonly dropped: Counter | undefined;
  private closed = false;

  constructor(options: InMemoryAnalyticsOptions = {}) {
    this.maxBets = options.maxBets ?? 200_000;
    this.maxPointsPerMarket = options.maxPointsPerMarket ?? 5000;
    this.maxMarkets = options.maxMarkets ?? 20_000;
    this.dropped = options.metrics?.counter('sb_analytics_rows_dropped_total', 'Analytics facts dropped before reaching the store, or forgotten by its bounds.', ['table', 'reason']);
  }

  recordPrices(facts: readonly PriceFact[]): void {
    this.assertOpen();
    checkPriceFacts(facts);
    for (const f of facts) this.addPoint(f);
  }

  async recordBets(facts: readonly BetFact[]): Promise<void> {
    this.assertOpen();
    checkBetFacts(facts);
    for (const f of facts) this.addBetFact(f);
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
  }

  async health(): Promise<{ ok: boolean; detail?: string }> {
    return this.closed ? { ok: false, detail: 'closed' } : { ok: true };
  }

  async ggrBySportAndDay(query: GgrQuery): Promise<readonly GgrRow[]> {
    const { from, to } = checkGgrQuery(query);
    interface Sums { bets: number; turnover: Minor; openStake: Minor; payouts: Minor; settledStake: Minor }
    const groups = new Map<string, { day: string; sportId: string; currency: Currency; sums: Sums }>();
    for (const bet of this.bets.values()) {
      const accepted = bet.accepted;
      if (!accepted) continue;
      const status = STATUS_OF[bet.latest.kind];
      const day = utcDay(accepted.ts);
      if (status === 'cancelled' || day < from || day > to) continue;
      const key = `${day}\u0000${accepted.sportId}\u0000${accepted.currency}`;
      let group = groups.get(key);
      if (!group) {
        group = { day, sportId: accepted.sportId, currency: accepted.currency, sums: { bets: 0, turnover: 0n, openStake: 0n, payouts: 0n, settledStake: 0n } };
        groups.set(key, group);
      }
      const s = group.sums;
      s.bets += 1;
      s.turnover += accepted.stake;
      if (status === 'open') s.openStake += accepted.stake;
      if (bet.latest.kind === 'settled' || bet.latest.kind === 'resettled') {
        s.payouts += bet.latest.payout;
        s.settledStake += accepted.stake;
      }
    }
    return [...groups.values()]
      .sort((a, b) => compareTuples([a.day, a.sportId, a.currency], [b.day, b.sportId, b.currency]))
      .map(({ day, sportId, currency, sums }) => ({
        day,
        sportId,
        currency,
        bets: sums.bets,
        turnover: fromMinor(sums.turnover, currency),
        openStake: fromMinor(sums.openStake, currency),
        payouts: fromMinor(sums.payouts, currency),
        ggr: fromMinor(sums.settledStake - sums.payouts, currency),
      }));
  }

  async openLiability(query: LiabilityQuery): Promise<readonly LiabilityRow[]> {
    const { eventId, limit } = checkLiabilityQuery(query);
    interface Row { eventId: string; marketKey: string; outcomeId: string; currency: Currency; bets: number; openStake: Minor; potentialPayout: Minor }
    const rows = new Map<string, Row>();
    for (const bet of this.bets.values()) {
      const accepted = bet.accepted;
      if (!accepted || STATUS_OF[bet.latest.kind] !== 'open') continue;
      for (const leg of accepted.legs) {
        if (eventId !== undefined && leg.eventId !== eventId) continue;
        const key = `${leg.eventId}\u0000${leg.marketKey}\u0000${leg.outcomeId}\u0000${accepted.currency}`;
        let row = rows.get(key);
        if (!row) {
          row = { eventId: leg.eventId, marketKey: leg.marketKey, outcomeId: leg.outcomeId, currency: accepted.currency, bets: 0, openStake: 0n, potentialPayout: 0n };
          rows.set(key, row);
        }
        row.bets += 1;
        row.openStake += accepted.stake;
        row.potentialPayout += accepted.potentialPayout;
      }
    }
    return [...rows.values()]
      .sort((a, b) => {
        const la = a.potentialPayout - a.openStake;
        const lb = b.potentialPayout - b.openStake;
        if (la !== lb) return la > lb ? -1 : 1;
        return compareTuples([a.eventId, a.marketKey, a.outcomeId, a.currency], [b.eventId, b.marketKey, b.outcomeId, b.currency]);
      })
      .slice(0, limit)
      .map((r) => ({
        eventId: r.eventId,
        marketKey: r.marketKey,
        outcomeId: r.outcomeId,
        currency: r.currency,
        bets: r.bets,
        openStake: fromMinor(r.openStake, r.currency),
        potentialPayout: fromMinor(r.potentialPayout, r.currency),
        liability: fromMinor(r.potentialPayout - r.openStake, r.currency),
      }));
  }

  async priceHistory(query: PriceHistoryQuery): Promise<readonly PricePoint[]> {
    const { eventId, marketKey, from, to, limit } = checkPriceHistoryQuery(query);
    const history = this.markets.get(marketId(eventId, marketKey));
    if (!history) return [];
    const window = history.points.filter((p) => p.ts >= from && p.ts <= to);
    return window.slice(Math.max(0, window.length - limit));
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError('SHUTTING_DOWN', 'the analytics store is closed');
  }

  private addBetFact(fact: BetFact): void {
    const record = this.bets.get(fact.betId);
    if (!record) {
      this.bets.set(fact.betId, { ...(fact.kind === 'accepted' ? { accepted: fact } : {}), latest: fact });
      this.evictBets();
      return;
    }
    if (fact.kind === 'accepted') record.accepted ??= fact;
    if (fact.version > record.latest.version) record.latest = fact;
  }

  private evictBets(): void {
    while (this.bets.size > this.maxBets) {
      const oldest = this.bets.keys().next().value as string;
      this.bets.delete(oldest);
      this.dropped?.inc({ table: 'bet_facts', reason: 'evicted' });
    }
  }

  private addPoint(fact: PriceFact): void {
    const key = marketId(fact.eventId, fact.marketKey);
    let history = this.markets.get(key);
    if (history) {
      // Re-inserted: the Map's order is then least recently written first.
      this.markets.delete(key);
    } else {
      history = { points: [], ids: new Set() };
    }
    this.markets.set(key, history);
    const id = `${fact.epoch}\u0000${fact.seq}\u0000${fact.outcomeId}`;
    if (!history.ids.has(id)) {
      history.ids.add(id);
      const point: PricePoint = {
        ts: fact.ts,
        outcomeId: fact.outcomeId,
        price: fact.price ?? null,
        active: fact.active,
        state: fact.state,
        epoch: fact.epoch,
        seq: fact.seq,
      };
      history.points.splice(insertionIndex(history.points, point), 0, point);
      while (history.points.length > this.maxPointsPerMarket) {
        const gone = history.points.shift()!;
        history.ids.delete(`${gone.epoch}\u0000${gone.seq}\u0000${gone.outcomeId}`);
        this.dropped?.inc({ table: 'price_changes', reason: 'evicted' });
      }
    }
    while (this.markets.size > this.maxMarkets) {
      const [oldest, gone] = this.markets.entries().next().value as [string, MarketHistory];
      this.markets.delete(oldest);
      this.dropped?.inc({ table: 'price_changes', reason: 'evicted' }, gone.points.length);
    }
  }
}

function marketId(eventId: string, marketKey: string): string {
  return `${eventId}\u0000${marketKey}`;
}

/** Where `point` goes in the ordered list; points almost always arrive in order, so look from the end. */
function insertionIndex(points: readonly PricePoint[], point: PricePoint): number {
  let i = points.length;
  while (i > 0 && comparePoints(points[i - 1]!, point) > 0) i -= 1;
  return i;
}

/** Byte-wise order of ASCII strings, as ClickHouse's ORDER BY compares them. */
function compareTuples(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
