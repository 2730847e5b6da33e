import type { Bet, BetLeg, BetStatusChange, NewBet } from '../../core/contracts/bets.ts';
import { AppError } from '../../core/errors.ts';
import type { BetStore, InsertResult, MarketQuery, PlayerQuery, StatusUpdate, StatusUpdateResult } from '../../core/ports/bet-store.ts';
import type { Clock } from '../../core/ports/clock.ts';
import { acceptedBet, applyStatusUpdate, betFingerprint, checkMarketQuery, checkNewBet, checkPlayerQuery, checkStatusUpdate, checkText } from './bet-rules.ts';

export interface InMemoryBetStoreDeps {
  /** Stamps the status history. */
  readonly clock: Clock;
}

interface Entry {
  bet: Bet;
  readonly history: BetStatusChange[];
}

/**
 * The BetStore in one process: embedded mode's bets of record and the reference the PostgreSQL
 * store is tested against. Each call runs to completion without yielding, which makes every
 * change atomic. Bets are frozen and replaced on change, never mutated, so what a caller holds
 * stays a snapshot.
 *
 * Limits, by design: nothing survives the process, and nothing is ever removed, so memory grows
 * with the bets taken.
 */
export class InMemoryBetStore implements BetStore {
  private readonly clock: Clock;
  private readonly bets = new Map<string, Entry>();
  /**
   * Market (event id + market key) → ids of the bets with a leg on it, in insert order. A list,
   * not a set: an id is added once, on insert, and a set's table is far dearer to grow to a busy
   * market's hundreds of thousands of bets.
   */
  private readonly markets = new Map<string, string[]>();
  private readonly players = new Map<string, string[]>();
  private closed = false;

  constructor(deps: InMemoryBetStoreDeps) {
    this.clock = deps.clock;
  }

  async insert(input: NewBet): Promise<InsertResult> {
    this.assertOpen();
    const checked = checkNewBet(input);
    const seen = this.bets.get(checked.betId);
    if (seen) {
      // The fields the fingerprint covers never change after the insert, so the stored bet's
      // fingerprint is the one it was inserted with: worked out only when a bet id comes back.
      if (betFingerprint(seen.bet) !== betFingerprint(checked)) {
        throw new AppError('DUPLICATE_REQUEST', `bet ${checked.betId} exists with other content`);
      }
      return { bet: seen.bet, existing: true };
    }
    const { bet, change } = acceptedBet(checked, this.clock.now());
    this.bets.set(bet.betId, { bet: deepFreeze(bet), history: [deepFreeze(change)] });
    const { legs } = bet;
    for (let i = 0; i < legs.length; i++) {
      const leg = legs[i]!;
      if (onMarketBefore(legs, i)) continue;
      const key = marketIndexKey(leg.eventId, leg.marketKey);
      const ids = this.markets.get(key);
      if (ids === undefined) this.markets.set(key, [bet.betId]);
      else ids.push(bet.betId);
    }
    const own = this.players.get(bet.player);
    if (own === undefined) this.players.set(bet.player, [bet.betId]);
    else own.push(bet.betId);
    return { bet, existing: false };
  }

  async get(betId: string): Promise<Bet | undefined> {
    this.assertOpen();
    return this.bets.get(checkText('betId', betId))?.bet;
  }

  async history(betId: string): Promise<readonly BetStatusChange[]> {
    this.assertOpen();
    return [...(this.bets.get(checkText('betId', betId))?.history ?? [])];
  }

  async listByPlayer(player: string, query: PlayerQuery): Promise<readonly Bet[]> {
    this.assertOpen();
    const q = checkPlayerQuery(player, query);
    let bets = (this.players.get(q.player) ?? []).map((id) => this.bets.get(id)!.bet).sort(newestFirst);
    if (q.before !== undefined) {
      const cursor = this.bets.get(q.before)?.bet;
      if (!cursor) return [];
      bets = bets.filter((b) => newestFirst(cursor, b) < 0);
    }
    if (q.status !== undefined) bets = bets.filter((b) => b.status === q.status);
    return bets.slice(0, q.limit);
  }

  async byMarket(eventId: string, marketKey: string, query?: MarketQuery): Promise<readonly Bet[]> {
    this.assertOpen();
    const q = checkMarketQuery(eventId, marketKey, query);
    const ids = (this.markets.get(marketIndexKey(q.eventId, q.marketKey)) ?? [])
      .filter((id) => q.after === undefined || id > q.after)
      .sort(byCodeUnits);
    const out: Bet[] = [];
    for (const id of ids) {
      if (q.limit !== undefined && out.length >= q.limit) break;
      const bet = this.bets.get(id)!.bet;
      if (q.statuses.includes(bet.status)) out.push(bet);
    }
    return out;
  }

  async updateStatus(input: StatusUpdate): Promise<StatusUpdateResult> {
    this.assertOpen();
    const update = checkStatusUpdate(input);
    const entry = this.bets.get(update.betId);
    if (!entry) return { status: 'not_found' };
    const applied = applyStatusUpdate(entry.bet, update, this.clock.now());
    if (!applied) return { status: 'conflict', bet: entry.bet };
    entry.bet = deepFreeze(applied.bet);
    entry.history.push(deepFreeze(applied.change));
    return { status: 'updated', bet: entry.bet };
  }

  async health(): Promise<{ ok: boolean; detail?: string }> {
    return this.closed ? { ok: false, detail: 'closed' } : { ok: true };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError('SHUTTING_DOWN', 'the bet store is closed');
  }
}

function marketIndexKey(eventId: string, marketKey: string): string {
  return `${eventId}\u0000${marketKey}`;
}

/** Whether an earlier leg is on leg i's market: two legs on one market list the bet once. */
function onMarketBefore(legs: readonly BetLeg[], i: number): boolean {
  for (let j = 0; j < i; j++) if (legs[j]!.eventId === legs[i]!.eventId && legs[j]!.marketKey === legs[i]!.marketKey) return true;
  return false;
}

/** Ids compare as PostgreSQL's "C" collation does (the bet id columns use it). */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** placedAt descending, then bet id descending. */
function newestFirst(a: Bet, b: Bet): number {
  return b.placedAt - a.placedAt || byCodeUnits(b.betId, a.betId);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    // for…in rather than Object.values: no array per object, and bets are plain data.
    for (const key in value) deepFreeze(value[key]);
    Object.freeze(value);
  }
  return value;
}
