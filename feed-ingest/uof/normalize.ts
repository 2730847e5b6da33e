/**
 * UOF document → normalized feed message (core/contracts/feed.ts). Interpretation only: which
 * fields must be there, which values are in range, what an absent attribute means.
 *
 * Defaults (UOF's documented meaning of an absent attribute):
 *   bet_settlement certainty → 1; bet_stop groups → ['all'], market_status → -1 (suspended);
 *   odds_change market status → 1 (active); outcome active → true; void_factor → '0';
 *   dead_heat_factor → '1'.
 * Values that decide money or whether a price can be bet on (market status, outcome active,
 * certainty, result, factors, cancel bounds) must be one the XSD allows, or the message is
 * dead-lettered with FEED_INVALID_VALUE: guessing there could pay out or take a bet wrongly.
 * Informative values that are unusable (odds ≤ 1, a probability that is NaN or outside 0..1,
 * a sport_event_status without a status) are left out instead.
 * A settlement outcome whose result is -1 (undecided yet) is not settled and is left out, and so
 * is a market left with no settled outcome.
 */
import type { ErrorCode } from '../../core/errors.ts';
import { isEventId } from '../../core/ids.ts';
import type { EventId } from '../../core/ids.ts';
import { canonicalSpecifiers, marketKey } from '../../core/market-key.ts';
import type {
  BetCancelled,
  BetSettled,
  BetStopped,
  CancelRolledBack,
  FeedMarketStatus,
  FeedMessage,
  FeedMessageType,
  FeedMeta,
  FixtureChanged,
  MarketOdds,
  MarketRef,
  OddsChanged,
  OutcomeOdds,
  ProducerAlive,
  SettledMarket,
  SettledOutcome,
  SettlementRolledBack,
  SnapshotCompleted,
  SportEventStatus,
} from '../../core/contracts/feed.ts';
import type {
  UofAlive,
  UofBetCancel,
  UofBetSettlement,
  UofBetSettlementMarket,
  UofBetSettlementOutcome,
  UofBetStop,
  UofDocument,
  UofFixtureChange,
  UofMarket,
  UofMessageAttributes,
  UofOddsChange,
  UofOddsChangeMarket,
  UofOddsChangeOutcome,
  UofRollbackBetCancel,
  UofRollbackBetSettlement,
  UofSnapshotComplete,
  UofSportEventStatus,
} from './document.ts';

export interface NormalizeContext {
  /** SHA-1 of the payload without BOM, hex: the last part of messageId and the traceId. */
  readonly payloadSha1: string;
  readonly receivedTs: number;
  /** AMQP routing key, where the event id comes from when the message does not carry one. */
  readonly routingKey?: string;
}

export type NormalizeResult =
  | { readonly ok: true; readonly message: FeedMessage }
  | { readonly ok: false; readonly code: ErrorCode; readonly detail: string };

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

class NormalizeFailure {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
  ) {}
}

/** Interprets one decoded document. Every unusable document gives a failure result; a throw would be a defect here. */
export function normalizeUof(document: UofDocument, context: NormalizeContext): NormalizeResult {
  try {
    return { ok: true, message: interpret(document, context) };
  } catch (error) {
    if (error instanceof NormalizeFailure) return { ok: false, code: error.code, detail: error.detail };
    throw error;
  }
}

function interpret(document: UofDocument, context: NormalizeContext): FeedMessage {
  switch (document.root) {
    case 'odds_change':
      return oddsChanged(document, context);
    case 'bet_stop':
      return betStopped(document, context);
    case 'bet_settlement':
      return betSettled(document, context);
    case 'bet_cancel':
      return betCancelled(document, context);
    case 'rollback_bet_settlement':
      return settlementRolledBack(document, context);
    case 'rollback_bet_cancel':
      return cancelRolledBack(document, context);
    case 'fixture_change':
      return fixtureChanged(document, context);
    case 'alive':
      return producerAlive(document, context);
    case 'snapshot_complete':
      return snapshotCompleted(document, context);
  }
}

function missing(path: string): NormalizeFailure {
  return new NormalizeFailure('FEED_MISSING_FIELD', `${path} is missing`);
}

function invalid(path: string, value: unknown, expected: string): NormalizeFailure {
  return new NormalizeFailure('FEED_INVALID_VALUE', `${path}: ${JSON.stringify(value)} is not ${expected}`);
}

function required<T>(value: T | undefined, path: string): T {
  if (value === undefined) throw missing(path);
  return value;
}

interface Header {
  readonly producer: number;
  readonly timestamp: number;
  readonly requestId?: number;
}

function header(root: string, attributes: { product?: number; timestamp?: number; request_id?: number }): Header {
  const producer = required(attributes.product, `${root}/@product`);
  if (producer < 1) throw invalid(`${root}/@product`, producer, 'a producer id (1 or more)');
  const timestamp = required(attributes.timestamp, `${root}/@timestamp`);
  if (timestamp < 0) throw invalid(`${root}/@timestamp`, timestamp, 'a time in ms since 1970');
  const requestId = attributes.request_id;
  if (requestId !== undefined && requestId < 0) throw invalid(`${root}/@request_id`, requestId, 'a request id (0 or more)');
  return requestId === undefined ? { producer, timestamp } : { producer, timestamp, requestId };
}

function meta<T extends FeedMessageType>(type: T, head: Header, eventId: EventId | undefined, context: NormalizeContext): FeedMeta & { type: T } {
  const hash = context.payloadSha1;
  const base: Mutable<FeedMeta> & { type: T } = {
    v: 1,
    type,
    messageId: `${type}:${head.producer}:${eventId ?? '-'}:${head.timestamp}:${hash.slice(0, 12)}`,
    traceId: hash.slice(0, 16),
    producer: head.producer,
    sourceTs: head.timestamp,
    receivedTs: context.receivedTs,
  };
  if (head.requestId !== undefined) base.requestId = head.requestId;
  return base;
}

/**
 * The event URN from the message, or else from the AMQP routing key
 * (`hi.-.live.odds_change.1.sr:match.123.-`: type in part 6, number in part 7).
 */
function eventOf(root: string, attributes: UofMessageAttributes, routingKey: string | undefined): EventId {
  const value = attributes.event_id;
  if (value !== undefined) {
    if (!isEventId(value)) throw invalid(`${root}/@event_id`, value.slice(0, 80), 'an event URN such as sr:match:123');
    return value;
  }
  const parts = routingKey?.split('.');
  const fromKey = parts?.length === 8 ? `${parts[5]}:${parts[6]}` : undefined;
  if (fromKey !== undefined && isEventId(fromKey)) return fromKey;
  throw new NormalizeFailure('FEED_MISSING_FIELD', `${root}/@event_id is missing and the routing key names no event`);
}

const MARKET_STATUSES: ReadonlySet<number> = new Set<FeedMarketStatus>([1, 0, -1, -2, -3, -4]);

function marketStatus(value: number | undefined, fallback: FeedMarketStatus, path: string): FeedMarketStatus {
  if (value === undefined) return fallback;
  if (!MARKET_STATUSES.has(value)) throw invalid(path, value, 'a market status (1, 0, -1, -2, -3, -4)');
  return value as FeedMarketStatus;
}

function marketId(value: number | undefined, path: string): number {
  const id = required(value, path);
  if (id < 0) throw invalid(path, id, 'a market id');
  return id;
}

function oddsChanged(document: UofOddsChange, context: NormalizeContext): OddsChanged {
  const head = header('odds_change', document);
  const eventId = eventOf('odds_change', document, context.routingKey);
  const message: Mutable<OddsChanged> = { ...meta('OddsChanged', head, eventId, context), eventId, markets: document.market.map(marketOdds) };
  if (document.betting_status !== undefined) message.bettingStatus = document.betting_status;
  if (document.betstop_reason !== undefined) message.betstopReason = document.betstop_reason;
  if (document.odds_change_reason !== undefined) message.oddsChangeReason = document.odds_change_reason;
  const status = document.sport_event_status && sportEventStatus(document.sport_event_status);
  if (status !== undefined) message.sportEventStatus = status;
  return message;
}

// Paths for failure details, built once rather than for every market and outcome read.
const ODDS_MARKET = 'odds_change/odds/market';
const ODDS_MARKET_ID = `${ODDS_MARKET}/@id`;
const ODDS_MARKET_STATUS = `${ODDS_MARKET}/@status`;
const ODDS_OUTCOME_ID = `${ODDS_MARKET}/outcome/@id`;
const ODDS_OUTCOME_ACTIVE = `${ODDS_MARKET}/outcome/@active`;

function marketOdds(market: UofOddsChangeMarket): MarketOdds {
  const id = marketId(market.id, ODDS_MARKET_ID);
  const specifiers = canonicalSpecifiers(market.specifiers);
  const out: Mutable<MarketOdds> = {
    marketId: id,
    specifiers,
    marketKey: marketKey(id, specifiers),
    status: marketStatus(market.status, 1, ODDS_MARKET_STATUS),
    outcomes: market.outcome.map(outcomeOdds),
  };
  if (market.extended_specifiers !== undefined) out.extendedSpecifiers = market.extended_specifiers;
  if (market.cashout_status !== undefined) out.cashoutStatus = market.cashout_status;
  if (market.favourite === 1 || market.favourite === 0) out.favourite = market.favourite === 1;
  if (market.next_betstop !== undefined) out.nextBetstop = String(market.next_betstop);
  return out;
}

function outcomeOdds(outcome: UofOddsChangeOutcome): OutcomeOdds {
  const out: Mutable<OutcomeOdds> = {
    outcomeId: required(outcome.id, ODDS_OUTCOME_ID),
    active: outcomeActive(outcome.active),
  };
  const { odds, probabilities } = outcome;
  if (odds !== undefined && Number.isFinite(odds) && odds > 1) out.odds = odds;
  if (probabilities !== undefined && probabilities >= 0 && probabilities <= 1) out.probability = probabilities;
  return out;
}

function outcomeActive(value: number | undefined): boolean {
  if (value === undefined || value === 1) return true;
  if (value === 0) return false;
  throw invalid(ODDS_OUTCOME_ACTIVE, value, '1 or 0');
}

/** XSD timeType: "37:12" or "37". */
const TIME = /^\d+(?::\d+)?$/;

function sportEventStatus(status: UofSportEventStatus): SportEventStatus | undefined {
  if (status.status === undefined) return undefined;
  const out: Mutable<SportEventStatus> = { status: status.status };
  if (status.match_status !== undefined) out.matchStatus = status.match_status;
  if (status.home_score !== undefined && Number.isFinite(status.home_score)) out.homeScore = status.home_score;
  if (status.away_score !== undefined && Number.isFinite(status.away_score)) out.awayScore = status.away_score;
  const clock = status.clock;
  if (clock?.match_time !== undefined && TIME.test(clock.match_time)) out.matchTime = clock.match_time;
  if (clock?.remaining_time !== undefined && TIME.test(clock.remaining_time)) out.remainingTime = clock.remaining_time;
  if (clock?.stopped !== undefined) out.stopped = clock.stopped;
  const periods: Mutable<NonNullable<SportEventStatus['periodScores']>[number]>[] = [];
  for (const period of status.period_scores) {
    const { number, home_score: home, away_score: away } = period;
    if (number === undefined || home === undefined || away === undefined || !Number.isFinite(home) || !Number.isFinite(away)) continue;
    const entry: Mutable<(typeof periods)[number]> = { number, home, away };
    if (period.match_status_code !== undefined) entry.matchStatusCode = period.match_status_code;
    periods.push(entry);
  }
  if (periods.length > 0) out.periodScores = periods;
  return out;
}

function betStopped(document: UofBetStop, context: NormalizeContext): BetStopped {
  const head = header('bet_stop', document);
  const eventId = eventOf('bet_stop', document, context.routingKey);
  const groups = (document.groups ?? '')
    .split('|')
    .map((group) => group.trim())
    .filter((group) => group !== '');
  return {
    ...meta('BetStopped', head, eventId, context),
    eventId,
    groups: groups.length > 0 ? groups : ['all'],
    marketStatus: marketStatus(document.market_status, -1, 'bet_stop/@market_status'),
  };
}

const SETTLEMENT_MARKET_ID = 'bet_settlement/outcomes/market/@id';
const SETTLEMENT_OUTCOME = 'bet_settlement/outcomes/market/outcome';
const SETTLEMENT_OUTCOME_ID = `${SETTLEMENT_OUTCOME}/@id`;
const SETTLEMENT_OUTCOME_RESULT = `${SETTLEMENT_OUTCOME}/@result`;

function betSettled(document: UofBetSettlement, context: NormalizeContext): BetSettled {
  const head = header('bet_settlement', document);
  const eventId = eventOf('bet_settlement', document, context.routingKey);
  const certainty = document.certainty ?? 1;
  if (certainty !== 1 && certainty !== 2) throw invalid('bet_settlement/@certainty', certainty, '1 or 2');
  const markets: SettledMarket[] = [];
  for (const market of document.market) {
    const settled = settledMarket(market);
    if (settled.outcomes.length > 0) markets.push(settled);
  }
  return { ...meta('BetSettled', head, eventId, context), eventId, certainty, markets };
}

function settledMarket(market: UofBetSettlementMarket): SettledMarket {
  const id = marketId(market.id, SETTLEMENT_MARKET_ID);
  const specifiers = canonicalSpecifiers(market.specifiers);
  const outcomes: SettledOutcome[] = [];
  for (const outcome of market.outcome) {
    const settled = settledOutcome(outcome);
    if (settled !== undefined) outcomes.push(settled);
  }
  const out: Mutable<SettledMarket> = { marketId: id, specifiers, marketKey: marketKey(id, specifiers), outcomes };
  if (market.void_reason !== undefined) out.voidReason = market.void_reason;
  return out;
}

function settledOutcome(outcome: UofBetSettlementOutcome): SettledOutcome | undefined {
  const id = required(outcome.id, SETTLEMENT_OUTCOME_ID);
  const result = required(outcome.result, SETTLEMENT_OUTCOME_RESULT);
  if (result === -1) return undefined;
  if (result !== 0 && result !== 1) throw invalid(SETTLEMENT_OUTCOME_RESULT, result, '1 (won), 0 (lost) or -1 (undecided)');
  const voidFactor = outcome.void_factor ?? '0';
  const voidValue = Number(voidFactor);
  if (!(voidValue >= 0 && voidValue <= 1)) throw invalid(`${SETTLEMENT_OUTCOME}/@void_factor`, voidFactor, 'between 0 and 1');
  const deadHeatFactor = outcome.dead_heat_factor ?? '1';
  const deadHeatValue = Number(deadHeatFactor);
  if (!(deadHeatValue > 0 && deadHeatValue <= 1)) throw invalid(`${SETTLEMENT_OUTCOME}/@dead_heat_factor`, deadHeatFactor, 'above 0 and at most 1');
  return { outcomeId: id, won: result === 1, voidFactor, deadHeatFactor };
}

function marketRefs(markets: readonly UofMarket[], root: string): MarketRef[] {
  return markets.map((market) => {
    const id = marketId(market.id, `${root}/market/@id`);
    const specifiers = canonicalSpecifiers(market.specifiers);
    const out: Mutable<MarketRef> = { marketId: id, specifiers, marketKey: marketKey(id, specifiers) };
    if (market.void_reason !== undefined) out.voidReason = market.void_reason;
    return out;
  });
}

/** Cancel bounds: either may be absent (open-ended); when both are there they must be in order. */
function timeWindow(root: string, start: number | undefined, end: number | undefined): { startTime?: number; endTime?: number } {
  if (start !== undefined && start < 0) throw invalid(`${root}/@start_time`, start, 'a time in ms since 1970');
  if (end !== undefined && end < 0) throw invalid(`${root}/@end_time`, end, 'a time in ms since 1970');
  if (start !== undefined && end !== undefined && start > end) throw invalid(`${root}/@end_time`, end, `at or after start_time ${start}`);
  const window: { startTime?: number; endTime?: number } = {};
  if (start !== undefined) window.startTime = start;
  if (end !== undefined) window.endTime = end;
  return window;
}

function betCancelled(document: UofBetCancel, context: NormalizeContext): BetCancelled {
  const head = header('bet_cancel', document);
  const eventId = eventOf('bet_cancel', document, context.routingKey);
  const message: Mutable<BetCancelled> = {
    ...meta('BetCancelled', head, eventId, context),
    eventId,
    ...timeWindow('bet_cancel', document.start_time, document.end_time),
    markets: marketRefs(document.market, 'bet_cancel'),
  };
  if (document.superceded_by !== undefined) message.supercededBy = document.superceded_by;
  return message;
}

function settlementRolledBack(document: UofRollbackBetSettlement, context: NormalizeContext): SettlementRolledBack {
  const head = header('rollback_bet_settlement', document);
  const eventId = eventOf('rollback_bet_settlement', document, context.routingKey);
  return {
    ...meta('SettlementRolledBack', head, eventId, context),
    eventId,
    markets: marketRefs(document.market, 'rollback_bet_settlement'),
  };
}

function cancelRolledBack(document: UofRollbackBetCancel, context: NormalizeContext): CancelRolledBack {
  const head = header('rollback_bet_cancel', document);
  const eventId = eventOf('rollback_bet_cancel', document, context.routingKey);
  return {
    ...meta('CancelRolledBack', head, eventId, context),
    eventId,
    ...timeWindow('rollback_bet_cancel', document.start_time, document.end_time),
    markets: marketRefs(document.market, 'rollback_bet_cancel'),
  };
}

function fixtureChanged(document: UofFixtureChange, context: NormalizeContext): FixtureChanged {
  const head = header('fixture_change', document);
  const eventId = eventOf('fixture_change', document, context.routingKey);
  const message: Mutable<FixtureChanged> = { ...meta('FixtureChanged', head, eventId, context), eventId };
  if (document.change_type !== undefined) message.changeType = document.change_type;
  if (document.start_time !== undefined) message.startTime = document.start_time;
  if (document.next_live_time !== undefined) message.nextLiveTime = document.next_live_time;
  return message;
}

function producerAlive(document: UofAlive, context: NormalizeContext): ProducerAlive {
  const head = header('alive', document);
  const subscribed = required(document.subscribed, 'alive/@subscribed');
  if (subscribed !== 0 && subscribed !== 1) throw invalid('alive/@subscribed', subscribed, '1 or 0');
  return { ...meta('ProducerAlive', head, undefined, context), subscribed: subscribed === 1 };
}

function snapshotCompleted(document: UofSnapshotComplete, context: NormalizeContext): SnapshotCompleted {
  const head = header('snapshot_complete', document);
  const requestId = required(head.requestId, 'snapshot_complete/@request_id');
  return { ...meta('SnapshotCompleted', head, undefined, context), requestId };
}
