import { createClient, type ClickHouseClient, type Logger as ClientLogger, type ErrorLogParams, type LogParams, type WarnLogParams } from '@clickhouse/client';
import { AppError } from '../../core/errors.ts';
import type { MarketState } from '../../core/contracts/odds.ts';
import { fromMinor, type Currency } from '../../core/money.ts';
import type { Clock } from '../../core/ports/clock.ts';
import type { Logger } from '../../core/ports/logger.ts';
import type { Metrics } from '../../core/ports/metrics.ts';
import type {
  AnalyticsStore,
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
import { isRetriableClickHouseError, translateClickHouseError } from './clickhouse-errors.ts';
import { migrateClickHouse } from './clickhouse-migrations.ts';
import { sqlInteger, sqlString, tableNamer, type TableNamer } from './clickhouse-sql.ts';
import { InsertBatcher } from './insert-batcher.ts';

export interface ClickHouseAnalyticsOptions {
  /** The HTTP interface, e.g. http://127.0.0.1:8123. */
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  /** Database of the tables, created when missing. Default 'sportsbook'. */
  readonly database?: string;
  /** Prepended to every table name, so several stores (or test runs) share a database. Default ''. */
  readonly tablePrefix?: string;
  /** Rows per insert, and the count that starts one. Default 5000. */
  readonly batchRows?: number;
  /** Longest a price row waits for its insert. Default 1000 ms. */
  readonly flushIntervalMs?: number;
  /** Price rows buffered while ClickHouse is away; past it the oldest are dropped. Default 100,000. */
  readonly maxBufferedPrices?: number;
  /** Bet rows buffered while ClickHouse is away; past it recordBets() is refused. Default 10,000. */
  readonly maxBufferedBets?: number;
  /** Longest recordBets() and flush() wait. Default 5000 ms. */
  readonly writeTimeoutMs?: number;
  /** First retry delay after a failed insert, doubled up to 5 s. Default 100 ms. */
  readonly retryBackoffMs?: number;
  /** One HTTP request's limit. Default 10,000 ms. */
  readonly requestTimeoutMs?: number;
}

export interface ClickHouseAnalyticsDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

interface PriceRow {
  event_id: string;
  market_key: string;
  outcome_id: string;
  epoch: string;
  seq: number;
  at: number;
  at_ms: number;
  price: string;
  active: 0 | 1;
  state: MarketState;
}

interface BetRow {
  fact_id: string;
  bet_id: string;
  version: number;
  kind: BetFact['kind'];
  status: 'open' | 'settled' | 'cancelled';
  at: number;
  at_ms: number;
  day: string;
  player_id: string;
  sport_id: string;
  currency: string;
  /** Int64 as a decimal string: JSON numbers cannot hold them exactly. */
  stake: string;
  potential_payout: string;
  payout: string;
  odds: string;
  reason: string;
  leg_event_ids: string[];
  leg_market_keys: string[];
  leg_outcome_ids: string[];
  leg_odds: string[];
}

function priceRow(f: PriceFact): PriceRow {
  return {
    event_id: f.eventId,
    market_key: f.marketKey,
    outcome_id: f.outcomeId,
    epoch: f.epoch,
    seq: f.seq,
    at: Math.floor(f.ts / 1000),
    at_ms: f.ts % 1000,
    price: f.price ?? '',
    active: f.active ? 1 : 0,
    state: f.state,
  };
}

function betRow(f: BetFact): BetRow {
  const row: BetRow = {
    fact_id: f.factId,
    bet_id: f.betId,
    version: f.version,
    kind: f.kind,
    status: 'open',
    at: Math.floor(f.ts / 1000),
    at_ms: f.ts % 1000,
    day: utcDay(f.ts),
    player_id: '',
    sport_id: '',
    currency: '',
    stake: '0',
    potential_payout: '0',
    payout: '0',
    odds: '',
    reason: '',
    leg_event_ids: [],
    leg_market_keys: [],
    leg_outcome_ids: [],
    leg_odds: [],
  };
  switch (f.kind) {
    case 'accepted':
      return {
        ...row,
        player_id: f.playerId,
        sport_id: f.sportId,
        currency: f.currency,
        stake: f.stake.toString(),
        potential_payout: f.potentialPayout.toString(),
        odds: f.odds,
        leg_event_ids: f.legs.map((l) => l.eventId),
        leg_market_keys: f.legs.map((l) => l.marketKey),
        leg_outcome_ids: f.legs.map((l) => l.outcomeId),
        leg_odds: f.legs.map((l) => l.odds),
      };
    case 'settled':
    case 'resettled':
      return { ...row, status: 'settled', payout: f.payout.toString() };
    case 'cancelled':
      return { ...row, status: 'cancelled', reason: f.reason };
    case 'reopened':
      return { ...row, reason: f.reason };
  }
}

/**
 * The AnalyticsStore on ClickHouse (18.16 and later), through its HTTP interface. Price facts and
 * bet facts each have an InsertBatcher: prices drop their oldest rows when ClickHouse stays away
 * too long, bets make recordBets() wait (at most `writeTimeoutMs`) and refuse new ones once their
 * buffer is full, so a bus consumer retries them. Report queries are not retried here: a caller
 * gets DEPENDENCY_UNAVAILABLE and asks again. Values in queries are validated and escaped on the
 * client (clickhouse-sql.ts).
 */
export class ClickHouseAnalytics implements AnalyticsStore {
  private readonly table: TableNamer;
  private readonly prices: InsertBatcher<PriceRow>;
  private readonly bets: InsertBatcher<BetRow>;
  private closing: Promise<void> | undefined;

  constructor(
    deps: ClickHouseAnalyticsDeps,
    private readonly client: ClickHouseClient,
    options: ClickHouseAnalyticsOptions,
  ) {
    this.table = tableNamer(options.database ?? 'sportsbook', options.tablePrefix ?? '');
    const logger = deps.logger.child({ component: 'clickhouse-analytics' });
    const common = {
      isRetriable: isRetriableClickHouseError,
      maxRows: options.batchRows ?? 5000,
      intervalMs: options.flushIntervalMs ?? 1000,
      writeTimeoutMs: options.writeTimeoutMs ?? 5000,
      backoff: { initialMs: options.retryBackoffMs ?? 100, maxMs: 5000 },
    };
    const batcherDeps = { clock: deps.clock, logger, metrics: deps.metrics };
    this.prices = new InsertBatcher<PriceRow>(batcherDeps, {
      ...common,
      table: 'price_changes',
      insert: (rows) => this.insert('price_changes', rows),
      maxBuffered: options.maxBufferedPrices ?? 100_000,
      overflow: 'drop-oldest',
    });
    this.bets = new InsertBatcher<BetRow>(batcherDeps, {
      ...common,
      table: 'bet_facts',
      insert: (rows) => this.insert('bet_facts', rows),
      maxBuffered: options.maxBufferedBets ?? 10_000,
      overflow: 'reject',
    });
  }

  recordPrices(facts: readonly PriceFact[]): void {
    this.assertOpen();
    checkPriceFacts(facts);
    this.prices.add(facts.map(priceRow));
  }

  async recordBets(facts: readonly BetFact[]): Promise<void> {
    this.assertOpen();
    checkBetFacts(facts);
    await this.bets.write(facts.map(betRow));
  }

  async flush(): Promise<void> {
    this.assertOpen();
    await Promise.all([this.prices.flush(), this.bets.flush()]);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([this.prices.close(), this.bets.close()]);
      await this.client.close();
    })();
    return this.closing;
  }

  async health(): Promise<{ ok: boolean; detail?: string }> {
    if (this.closing) return { ok: false, detail: 'closed' };
    const ping = await this.client.ping();
    if (!ping.success) return { ok: false, detail: ping.error.message };
    const behind = this.prices.pending + this.bets.pending;
    return behind > 0 ? { ok: true, detail: `${behind} rows waiting for an insert` } : { ok: true };
  }

  async ggrBySportAndDay(query: GgrQuery): Promise<readonly GgrRow[]> {
    const { from, to } = checkGgrQuery(query);
    const facts = this.table('bet_facts');
    // Per bet: its acceptance once (anyIf), its state in force (argMax by version). Redelivered
    // facts are identical rows and change neither.
    const rows = await this.select<{ day: string; sport_id: string; currency: Currency; bets: string; turnover: string; open_stake: string; payouts: string; ggr: string }>(
      'GGR report',
      `SELECT bet_day AS day, bet_sport AS sport_id, bet_currency AS currency,
          count() AS bets,
          sum(bet_stake) AS turnover,
          sumIf(bet_stake, bet_status = 'open') AS open_stake,
          sumIf(bet_payout, bet_status = 'settled') AS payouts,
          sumIf(bet_stake - bet_payout, bet_status = 'settled') AS ggr
        FROM (
          SELECT
            anyIf(day, kind = 'accepted') AS bet_day,
            anyIf(sport_id, kind = 'accepted') AS bet_sport,
            anyIf(currency, kind = 'accepted') AS bet_currency,
            anyIf(stake, kind = 'accepted') AS bet_stake,
            argMax(status, version) AS bet_status,
            argMax(payout, version) AS bet_payout,
            countIf(kind = 'accepted') AS acceptances
          FROM ${facts}
          WHERE bet_id IN (
            SELECT bet_id FROM ${facts}
            WHERE kind = 'accepted' AND day >= toDate(${sqlString(from)}) AND day <= toDate(${sqlString(to)})
          )
          GROUP BY bet_id
          HAVING acceptances > 0 AND bet_status != 'cancelled'
        )
        GROUP BY bet_day, bet_sport, bet_currency
        ORDER BY bet_day, bet_sport, bet_currency`,
    );
    return rows.map((r) => ({
      day: r.day,
      sportId: r.sport_id,
      currency: r.currency,
      bets: Number(r.bets),
      turnover: fromMinor(BigInt(r.turnover), r.currency),
      openStake: fromMinor(BigInt(r.open_stake), r.currency),
      payouts: fromMinor(BigInt(r.payouts), r.currency),
      ggr: fromMinor(BigInt(r.ggr), r.currency),
    }));
  }

  async openLiability(query: LiabilityQuery): Promise<readonly LiabilityRow[]> {
    const { eventId, limit } = checkLiabilityQuery(query);
    const facts = this.table('bet_facts');
    const event = eventId === undefined ? undefined : sqlString(eventId);
    const rows = await this.select<{ event_id: string; market_key: string; outcome_id: string; currency: Currency; bets: string; open_stake: string; potential_payout: string; liability: string }>(
      'liability report',
      `SELECT leg_event AS event_id, leg_market AS market_key, leg_outcome AS outcome_id, bet_currency AS currency,
          count() AS bets,
          sum(bet_stake) AS open_stake,
          sum(bet_potential) AS potential_payout,
          sum(bet_potential) - sum(bet_stake) AS liability
        FROM (
          SELECT
            anyIf(currency, kind = 'accepted') AS bet_currency,
            anyIf(stake, kind = 'accepted') AS bet_stake,
            anyIf(potential_payout, kind = 'accepted') AS bet_potential,
            anyIf(leg_event_ids, kind = 'accepted') AS bet_events,
            anyIf(leg_market_keys, kind = 'accepted') AS bet_markets,
            anyIf(leg_outcome_ids, kind = 'accepted') AS bet_outcomes,
            argMax(status, version) AS bet_status,
            countIf(kind = 'accepted') AS acceptances
          FROM ${facts}
          ${event === undefined ? '' : `WHERE bet_id IN (SELECT bet_id FROM ${facts} WHERE kind = 'accepted' AND has(leg_event_ids, ${event}))`}
          GROUP BY bet_id
          HAVING acceptances > 0 AND bet_status = 'open'
        )
        ARRAY JOIN bet_events AS leg_event, bet_markets AS leg_market, bet_outcomes AS leg_outcome
        ${event === undefined ? '' : `WHERE leg_event = ${event}`}
        GROUP BY leg_event, leg_market, leg_outcome, bet_currency
        ORDER BY liability DESC, leg_event, leg_market, leg_outcome, bet_currency
        LIMIT ${sqlInteger(limit)}`,
    );
    return rows.map((r) => ({
      eventId: r.event_id,
      marketKey: r.market_key,
      outcomeId: r.outcome_id,
      currency: r.currency,
      bets: Number(r.bets),
      openStake: fromMinor(BigInt(r.open_stake), r.currency),
      potentialPayout: fromMinor(BigInt(r.potential_payout), r.currency),
      liability: fromMinor(BigInt(r.liability), r.currency),
    }));
  }

  async priceHistory(query: PriceHistoryQuery): Promise<readonly PricePoint[]> {
    const { eventId, marketKey, from, to, limit } = checkPriceHistoryQuery(query);
    // The seconds bound the primary-key scan; the milliseconds are applied after dedup. Newest
    // first to take the last `limit`, then turned around.
    const rows = await this.select<{ ts: string; outcome_id: string; price: string; active: number; state: MarketState; epoch: string; seq: string }>(
      'price history',
      `SELECT point_ts AS ts, point_outcome AS outcome_id, point_price AS price, point_active AS active,
          point_state AS state, point_epoch AS epoch, point_seq AS seq
        FROM (
          SELECT outcome_id AS point_outcome, epoch AS point_epoch, seq AS point_seq,
            any(toUInt64(toUnixTimestamp(at)) * 1000 + at_ms) AS point_ts,
            any(price) AS point_price,
            any(active) AS point_active,
            any(state) AS point_state
          FROM ${this.table('price_changes')}
          WHERE event_id = ${sqlString(eventId)} AND market_key = ${sqlString(marketKey)}
            AND at >= toDateTime(${sqlInteger(Math.floor(from / 1000))}) AND at <= toDateTime(${sqlInteger(Math.floor(to / 1000))})
          GROUP BY outcome_id, epoch, seq
        )
        WHERE point_ts >= ${sqlInteger(from)} AND point_ts <= ${sqlInteger(to)}
        ORDER BY point_ts DESC, point_seq DESC, point_outcome DESC, point_epoch DESC
        LIMIT ${sqlInteger(limit)}`,
    );
    return rows.reverse().map((r) => ({
      ts: Number(r.ts),
      outcomeId: r.outcome_id,
      price: r.price === '' ? null : r.price,
      active: Number(r.active) === 1,
      state: r.state,
      epoch: r.epoch,
      seq: Number(r.seq),
    }));
  }

  private assertOpen(): void {
    if (this.closing) throw new AppError('SHUTTING_DOWN', 'the analytics store is closed');
  }

  private async insert(name: string, values: readonly object[]): Promise<void> {
    await this.client.insert({ table: this.table(name), values: values as object[], format: 'JSONEachRow' });
  }

  private async select<T>(what: string, query: string): Promise<T[]> {
    this.assertOpen();
    try {
      const result = await this.client.query({ query, format: 'JSONEachRow' });
      return await result.json<T>();
    } catch (error) {
      throw translateClickHouseError(error, what);
    }
  }
}

/**
 * The client's own log lines, into ours. Its errors are failed requests, which reach us as
 * rejections and are logged (once per outage) by the batcher: here they are debug lines only.
 */
function clientLoggerClass(logger: Logger): new () => ClientLogger {
  const fields = (p: LogParams, err?: Error) => ({ module: p.module, ...(p.args ? { args: p.args } : {}), ...(err ? { err } : {}) });
  return class implements ClientLogger {
    trace(): void {}
    debug(p: LogParams): void {
      logger.debug(fields(p), p.message);
    }
    info(p: LogParams): void {
      logger.info(fields(p), p.message);
    }
    warn(p: WarnLogParams): void {
      logger.warn(fields(p, p.err), p.message);
    }
    error(p: ErrorLogParams): void {
      logger.debug(fields(p, p.err), p.message);
    }
  };
}

/** Connects, applies the migrations, and returns the store. Rejects with DEPENDENCY_UNAVAILABLE when ClickHouse cannot be reached. */
export async function createClickHouseAnalytics(deps: ClickHouseAnalyticsDeps, options: ClickHouseAnalyticsOptions): Promise<ClickHouseAnalytics> {
  const database = options.database ?? 'sportsbook';
  const tablePrefix = options.tablePrefix ?? '';
  // Validated before anything connects: a bad name is a configuration error, not an outage.
  tableNamer(database, tablePrefix);
  const client = createClient({
    url: options.url,
    ...(options.username !== undefined ? { username: options.username } : {}),
    ...(options.password !== undefined ? { password: options.password } : {}),
    request_timeout: options.requestTimeoutMs ?? 10_000,
    application: 'sportsbook-analytics',
    log: { LoggerClass: clientLoggerClass(deps.logger.child({ component: 'clickhouse-client' })) },
  });
  try {
    const report = await migrateClickHouse(client, { database, tablePrefix });
    if (report.applied.length > 0) deps.logger.info({ database, tablePrefix, applied: report.applied }, 'ClickHouse analytics schema migrated');
  } catch (error) {
    await client.close();
    throw error;
  }
  return new ClickHouseAnalytics(deps, client, { ...options, database, tablePrefix });
}
