/**
 * The rules every BetStore implementation shares: what a storable bet and a status change look
 * like, the fingerprint that tells a retried insert from a reused bet id, and the one function
 * that turns a bet and a status update into the next bet and its history entry, so both stores
 * enforce the status model identically.
 */
import {
  isAllowedTransition,
  type Bet,
  type BetLeg,
  type BetStatus,
  type BetStatusChange,
  type BetStatusReason,
  type LegResult,
  type LegResultChange,
  type NewBet,
} from '../../core/contracts/bets.ts';
import { AppError } from '../../core/errors.ts';
import { isEventId } from '../../core/ids.ts';
import { CURRENCIES } from '../../core/money.ts';
import { isOddsString } from '../../core/odds.ts';
import type { MarketQuery, PlayerQuery, StatusUpdate } from '../../core/ports/bet-store.ts';

const STATUSES: readonly BetStatus[] = ['open', 'settled', 'cancelled'];
const REASONS: readonly BetStatusReason[] = [
  'accepted',
  'leg_resulted',
  'settled',
  'cancelled',
  'settlement_rolled_back',
  'cancel_rolled_back',
  'operator',
];
const MAX_TEXT = 200;
const MAX_DETAIL = 1000;
const MAX_LEGS = 50;
/** A factor from the feed: a decimal string in [0, 1]. */
const FACTOR = /^(0(\.\d{1,6})?|1(\.0{1,6})?)$/;

function invalid(message: string): AppError {
  return new AppError('INVALID_REQUEST', message);
}

/** Control characters (NUL above all, which PostgreSQL text cannot hold) are refused, line breaks excepted. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export function checkText(name: string, value: unknown, max = MAX_TEXT): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max || CONTROL.test(value)) {
    throw invalid(`${name} must be 1..${max} characters, no control characters`);
  }
  return value;
}

function checkStatus(name: string, value: unknown): BetStatus {
  if (!STATUSES.includes(value as BetStatus)) throw invalid(`${name} must be one of ${STATUSES.join(', ')}`);
  return value as BetStatus;
}

function checkCount(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${name} must be an integer in ${min}..${max}`);
  }
  return value;
}

/** A bet checked and copied field by field: nothing the caller added or keeps a reference to is stored. */
export function checkNewBet(input: NewBet): NewBet {
  if (input === null || typeof input !== 'object') throw invalid('a bet must be an object');
  const betId = checkText('betId', input.betId);
  const player = checkText('player', input.player);
  if (typeof input.stake !== 'bigint' || input.stake <= 0n) throw invalid('stake must be a bigint > 0 of minor units');
  if (!Object.prototype.hasOwnProperty.call(CURRENCIES, input.currency)) throw invalid(`unknown currency: ${String(input.currency)}`);
  const placedAt = checkCount('placedAt', input.placedAt, 0);
  if (!Array.isArray(input.legs) || input.legs.length === 0 || input.legs.length > MAX_LEGS) {
    throw invalid(`a bet has 1..${MAX_LEGS} legs`);
  }
  const legs = input.legs.map((leg: NewBet['legs'][number], i: number) => {
    if (leg === null || typeof leg !== 'object') throw invalid(`leg ${i} must be an object`);
    if (typeof leg.eventId !== 'string' || !isEventId(leg.eventId)) throw invalid(`leg ${i}: eventId is not an event URN`);
    if (typeof leg.odds !== 'string' || !isOddsString(leg.odds)) throw invalid(`leg ${i}: odds must be a decimal string > 1`);
    const version = leg.priceVersion;
    if (version === null || typeof version !== 'object') throw invalid(`leg ${i}: priceVersion is missing`);
    return {
      eventId: leg.eventId,
      marketKey: checkText(`leg ${i} marketKey`, leg.marketKey),
      outcomeId: checkText(`leg ${i} outcomeId`, leg.outcomeId),
      odds: leg.odds,
      priceVersion: { epoch: checkText(`leg ${i} epoch`, version.epoch), seq: checkCount(`leg ${i} seq`, version.seq, 0) },
    };
  });
  const bet: NewBet = { betId, player, stake: input.stake, currency: input.currency, legs, placedAt };
  return input.traceId === undefined ? bet : { ...bet, traceId: checkText('traceId', input.traceId) };
}

/**
 * What makes two inserts the same bet: who, how much, on what, at which price. Not the time or
 * the trace id, which a retried request may carry anew.
 */
export function betFingerprint(bet: NewBet): string {
  return JSON.stringify([
    bet.player,
    bet.stake.toString(),
    bet.currency,
    bet.legs.map((l) => [l.eventId, l.marketKey, l.outcomeId, l.odds, l.priceVersion.epoch, l.priceVersion.seq]),
  ]);
}

/** The bet as stored at acceptance (version 1) and its first history entry. */
export function acceptedBet(bet: NewBet, at: number): { bet: Bet; change: BetStatusChange } {
  return {
    bet: { v: 1, ...bet, status: 'open', version: 1 },
    change: { version: 1, from: null, to: 'open', reason: 'accepted', at },
  };
}

function checkLegResult(name: string, value: unknown): LegResult | null {
  if (value === null) return null;
  if (typeof value !== 'object') throw invalid(`${name} must be a leg result or null`);
  const r = value as LegResult;
  if (r.source !== 'settled' && r.source !== 'cancelled') throw invalid(`${name}.source must be settled or cancelled`);
  if (typeof r.won !== 'boolean') throw invalid(`${name}.won must be a boolean`);
  if (typeof r.voidFactor !== 'string' || !FACTOR.test(r.voidFactor)) throw invalid(`${name}.voidFactor must be a decimal in 0..1`);
  if (typeof r.deadHeatFactor !== 'string' || !FACTOR.test(r.deadHeatFactor)) {
    throw invalid(`${name}.deadHeatFactor must be a decimal in 0..1`);
  }
  const result: LegResult = { source: r.source, won: r.won, voidFactor: r.voidFactor, deadHeatFactor: r.deadHeatFactor };
  return r.ref === undefined ? result : { ...result, ref: checkText(`${name}.ref`, r.ref) };
}

/** An update checked and copied; shape errors are INVALID_REQUEST, status-model errors BET_TRANSITION_INVALID. */
export function checkStatusUpdate(input: StatusUpdate): StatusUpdate {
  if (input === null || typeof input !== 'object') throw invalid('a status update must be an object');
  const from = checkStatus('from', input.from);
  const to = checkStatus('to', input.to);
  if (!REASONS.includes(input.reason)) throw invalid(`reason must be one of ${REASONS.join(', ')}`);
  if (input.payout !== undefined && (typeof input.payout !== 'bigint' || input.payout < 0n)) {
    throw invalid('payout must be a bigint ≥ 0 of minor units');
  }
  if (input.legResults !== undefined && !Array.isArray(input.legResults)) throw invalid('legResults must be an array');
  const legResults = input.legResults?.map((c: LegResultChange, i: number) => ({
    leg: checkCount(`legResults[${i}].leg`, c?.leg, 0, MAX_LEGS - 1),
    result: checkLegResult(`legResults[${i}].result`, c?.result),
  }));
  const update: StatusUpdate = {
    betId: checkText('betId', input.betId),
    from,
    to,
    reason: input.reason,
    ...(input.detail === undefined ? {} : { detail: checkText('detail', input.detail, MAX_DETAIL) }),
    ...(input.payout === undefined ? {} : { payout: input.payout }),
    ...(legResults === undefined ? {} : { legResults }),
    ...(input.version === undefined ? {} : { version: checkCount('version', input.version, 1) }),
  };

  const refuse = (why: string) => new AppError('BET_TRANSITION_INVALID', `bet ${update.betId}: ${from} → ${to} ${why}`);
  if (!isAllowedTransition(from, to)) throw refuse('is not a status change bets make');
  if (to === 'settled' && update.payout === undefined) throw refuse('needs the payout');
  if (to !== 'settled' && update.payout !== undefined) throw refuse('takes no payout');
  if (from === 'open' && to === 'open' && (legResults === undefined || legResults.length === 0)) throw refuse('changes nothing without leg results');
  if (legResults && new Set(legResults.map((c) => c.leg)).size !== legResults.length) throw refuse('names a leg twice');
  return update;
}

/**
 * The bet after `update` and the history entry recording it, or undefined when the bet is not in
 * the status (or version) the update expects: the optimistic check. `update` must have passed
 * checkStatusUpdate.
 */
export function applyStatusUpdate(bet: Bet, update: StatusUpdate, at: number): { bet: Bet; change: BetStatusChange } | undefined {
  if (bet.status !== update.from) return undefined;
  if (update.version !== undefined && bet.version !== update.version) return undefined;
  const legs: BetLeg[] = [...bet.legs];
  for (const { leg, result } of update.legResults ?? []) {
    const current = legs[leg];
    if (!current) {
      throw new AppError('BET_TRANSITION_INVALID', `bet ${bet.betId} has no leg ${leg} (it has ${legs.length})`);
    }
    legs[leg] = result === null ? withoutResult(current) : { ...current, result };
  }
  if (update.to === 'settled' && legs.some((l) => l.result === undefined)) {
    throw new AppError('BET_TRANSITION_INVALID', `bet ${bet.betId} cannot be settled while a leg has no result`);
  }
  const version = bet.version + 1;
  const next: Bet = { ...bet, legs, status: update.to, version, payout: update.payout };
  if (update.payout === undefined) delete (next as { payout?: bigint }).payout;
  const change: BetStatusChange = {
    version,
    from: update.from,
    to: update.to,
    reason: update.reason,
    ...(update.detail === undefined ? {} : { detail: update.detail }),
    ...(update.payout === undefined ? {} : { payout: update.payout }),
    ...(update.legResults === undefined ? {} : { legResults: update.legResults }),
    at,
  };
  return { bet: next, change };
}

function withoutResult(leg: BetLeg): BetLeg {
  const open: { -readonly [K in keyof BetLeg]: BetLeg[K] } = { ...leg };
  delete open.result;
  return open;
}

/** The defaults of a market query, checked. */
export function checkMarketQuery(eventId: string, marketKey: string, query: MarketQuery = {}) {
  return {
    eventId: checkText('eventId', eventId),
    marketKey: checkText('marketKey', marketKey),
    statuses: (query.status ?? ['open']).map((s, i) => checkStatus(`status[${i}]`, s)),
    after: query.after === undefined ? undefined : checkText('after', query.after),
    limit: query.limit === undefined ? undefined : checkCount('limit', query.limit, 1),
  };
}

export function checkPlayerQuery(player: string, query: PlayerQuery) {
  return {
    player: checkText('player', player),
    status: query.status === undefined ? undefined : checkStatus('status', query.status),
    limit: checkCount('limit', query.limit, 1, 1000),
    before: query.before === undefined ? undefined : checkText('before', query.before),
  };
}
