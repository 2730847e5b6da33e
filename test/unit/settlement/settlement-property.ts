/**
 * The settlement property, shared by the in-memory and the PostgreSQL runs: any interleaving of
 * duplicate, reordered settle / rollback / cancel / rollback-cancel messages for a market (and a
 * bet accepted somewhere in between) ends in the state the last effective message implies, with
 * no payout made twice and a ledger that reconciles to the cent.
 *
 * The expected state comes from a reference fold written here, apart from the service's code:
 * the rules of settlement/market-results.ts's module comment, applied to plain values.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { SettledOutcome } from '../../../core/contracts/feed.ts';
import type { Bet } from '../../../core/contracts/bets.ts';
import type { Balance, Hold, Posting } from '../../../core/ports/wallet.ts';
import { betPayout } from '../../../settlement/payout.ts';
import { reconcile, type LedgerSnapshot } from '../../../settlement/reconcile.ts';
import { feed, outcome, type Rig } from './rig.ts';

type Msg =
  | { kind: 'settle'; id: string; certainty: 1 | 2; outcomes: readonly SettledOutcome[] }
  | { kind: 'rollback'; id: string }
  | { kind: 'cancel'; id: string; window: 'W1' | 'W2' }
  | { kind: 'uncancel'; id: string; window: 'W1' | 'W2' };

const HOME = [outcome('1', true), outcome('2', false), outcome('3', false)];
const DRAW = [outcome('1', false), outcome('2', true), outcome('3', false)];
const AWAY_DEAD_HEAT = [outcome('1', true, '0', '0.5'), outcome('2', false), outcome('3', true, '0', '0.5')];
const HALF = [outcome('1', true, '0.5'), outcome('2', false, '0.5'), outcome('3', false)];

/** The message pool; a sequence draws from it with repeats (duplicates) in any order. */
const POOL: readonly Msg[] = [
  { kind: 'settle', id: 's1', certainty: 1, outcomes: HOME },
  { kind: 'settle', id: 's2', certainty: 1, outcomes: DRAW },
  { kind: 'settle', id: 's3', certainty: 2, outcomes: HOME },
  { kind: 'settle', id: 's4', certainty: 2, outcomes: AWAY_DEAD_HEAT },
  { kind: 'settle', id: 's5', certainty: 1, outcomes: HALF },
  { kind: 'rollback', id: 'r1' },
  { kind: 'rollback', id: 'r2' },
  { kind: 'cancel', id: 'c1', window: 'W1' },
  { kind: 'cancel', id: 'c2', window: 'W2' },
  { kind: 'uncancel', id: 'u1', window: 'W1' },
  { kind: 'uncancel', id: 'u2', window: 'W2' },
];

const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
const WINDOWS = { W1: { start: T0 - 1000, end: T0 + 1000 }, W2: { start: T0 + 50_000, end: undefined } } as const;

interface BetSpec {
  readonly suffix: string;
  readonly stake: bigint;
  readonly placedAt: number;
  /** Leg on the market under test, then optionally a leg on the other market (settled up front). */
  readonly outcomeId: string;
  readonly odds: string;
  readonly other?: { readonly outcomeId: string; readonly odds: string; readonly won: boolean };
}

const BETS: readonly BetSpec[] = [
  { suffix: 'early-home', stake: 1000n, placedAt: T0 - 100_000, outcomeId: '1', odds: '2.05' },
  { suffix: 'mid-draw', stake: 777n, placedAt: T0, outcomeId: '2', odds: '3.10' },
  { suffix: 'late-away', stake: 500n, placedAt: T0 + 100_000, outcomeId: '3', odds: '4.00' },
  { suffix: 'mid-home', stake: 333n, placedAt: T0 + 500, outcomeId: '1', odds: '1.91' },
  { suffix: 'acc-won', stake: 1000n, placedAt: T0 - 100_000, outcomeId: '1', odds: '2.00', other: { outcomeId: '1', odds: '1.50', won: true } },
  { suffix: 'acc-lost', stake: 1000n, placedAt: T0 + 100_000, outcomeId: '3', odds: '4.00', other: { outcomeId: '2', odds: '3.00', won: false } },
];
/** Accepted part-way through the sequence. */
const LATE: BetSpec = { suffix: 'accepted-late', stake: 250n, placedAt: T0 + 200_000, outcomeId: '3', odds: '5.00' };
const DEPOSIT = 10_000n;

interface Model {
  settlement?: { certainty: 1 | 2; outcomes: readonly SettledOutcome[] };
  windows: Set<'W1' | 'W2'>;
}

function sameOutcomes(a: readonly SettledOutcome[], b: readonly SettledOutcome[]): boolean {
  const key = (os: readonly SettledOutcome[]) => JSON.stringify([...os].map((o) => [o.outcomeId, o.won, Number(o.voidFactor), Number(o.deadHeatFactor)]).sort());
  return key(a) === key(b);
}

/** The reference fold: what the messages mean, message by message. */
function fold(messages: readonly Msg[], settleOn: 1 | 2): Model {
  const model: Model = { windows: new Set() };
  const seen = new Set<string>();
  for (const m of messages) {
    if (seen.has(m.id)) continue;
    seen.add(m.id);
    if (m.kind === 'settle') {
      if (m.certainty < settleOn) continue;
      const now = model.settlement;
      if (now && m.certainty < now.certainty) continue;
      if (now && sameOutcomes(now.outcomes, m.outcomes)) now.certainty = m.certainty;
      else model.settlement = { certainty: m.certainty, outcomes: m.outcomes };
    } else if (m.kind === 'rollback') delete model.settlement;
    else if (m.kind === 'cancel') model.windows.add(m.window);
    else model.windows.delete(m.window);
  }
  return model;
}

function expected(model: Model, bet: BetSpec): { status: 'open' | 'settled' | 'cancelled'; walletPaid: bigint } {
  const inWindow = [...model.windows].some((w) => {
    const { start, end } = WINDOWS[w];
    return bet.placedAt >= start && (end === undefined || bet.placedAt < end);
  });
  const other = bet.other && { odds: bet.other.odds, result: { won: bet.other.won, voidFactor: '0', deadHeatFactor: '1' } };
  if (inWindow) {
    if (!other) return { status: 'cancelled', walletPaid: bet.stake };
    return { status: 'settled', walletPaid: betPayout(bet.stake, 'EUR', [{ odds: bet.odds, result: { won: false, voidFactor: '1', deadHeatFactor: '1' } }, other]) };
  }
  const o = model.settlement?.outcomes.find((x) => x.outcomeId === bet.outcomeId);
  if (!o) return { status: 'open', walletPaid: 0n };
  return { status: 'settled', walletPaid: betPayout(bet.stake, 'EUR', [{ odds: bet.odds, result: o }, ...(other ? [other] : [])]) };
}

export interface PropertyOptions {
  readonly numRuns: number;
  readonly settleOn?: 1 | 2;
  readonly seed?: number;
}

/** Runs the property on `rig`; each run uses its own events, players and bet ids. */
export async function checkSettlementProperty(rig: Rig, options: PropertyOptions): Promise<void> {
  const settleOn = options.settleOn ?? 1;
  let runs = 0;
  const property = fc.asyncProperty(
    fc.array(fc.nat({ max: POOL.length - 1 }), { minLength: 1, maxLength: 16 }),
    fc.nat({ max: 16 }),
    async (picks, acceptAt) => {
      runs += 1;
      const run = `${process.pid}-${Date.now().toString(36)}-${runs}`;
      const market = `sr:match:${1_000_000 + runs * 2}`;
      const otherMarket = `sr:match:${1_000_001 + runs * 2}`;
      const id = (s: string) => `${run}-${s}`;
      const messages = picks.map((i) => POOL[i]!);

      const place = async (spec: BetSpec) => {
        const player = id(`p-${spec.suffix}`);
        await rig.openAccount(player, '100.00');
        return rig.place({
          betId: id(spec.suffix),
          player,
          stake: (Number(spec.stake) / 100).toFixed(2),
          placedAt: spec.placedAt,
          legs: [
            { eventId: market, marketKey: '1', outcomeId: spec.outcomeId, odds: spec.odds },
            ...(spec.other ? [{ eventId: otherMarket, marketKey: '1', outcomeId: spec.other.outcomeId, odds: spec.other.odds }] : []),
          ],
        });
      };
      for (const spec of BETS) await place(spec);
      await rig.settlement.handleFeed(feed.settled(id('other'), otherMarket, '1', [outcome('1', true), outcome('2', false)], 2));

      for (let i = 0; i <= messages.length; i++) {
        if (i === Math.min(acceptAt, messages.length)) await rig.settlement.handleBetEvent(rig.accepted(await place(LATE)));
        const m = messages[i];
        if (!m) continue;
        const msgId = id(m.id);
        const w = m.kind === 'cancel' || m.kind === 'uncancel' ? WINDOWS[m.window] : undefined;
        if (m.kind === 'settle') await rig.settlement.handleFeed(feed.settled(msgId, market, '1', m.outcomes, m.certainty));
        else if (m.kind === 'rollback') await rig.settlement.handleFeed(feed.rolledBack(msgId, market, '1'));
        else if (m.kind === 'cancel') await rig.settlement.handleFeed(feed.cancelled(msgId, market, '1', w!.start, w!.end));
        else await rig.settlement.handleFeed(feed.cancelRolledBack(msgId, market, '1', w!.start, w!.end));
      }

      const model = fold(messages, settleOn);
      for (const spec of [...BETS, LATE]) {
        const want = expected(model, spec);
        const betId = id(spec.suffix);
        const bet = (await rig.bets.get(betId))!;
        const hold = (await rig.wallet.getHold(betId))!;
        const why = `${betId} after ${messages.map((m) => m.id).join(' ')}`;
        assert.equal(bet.status, want.status, why);
        if (want.status === 'settled') assert.equal(bet.payout, want.walletPaid, why);
        assert.equal(hold.status, want.status === 'open' ? 'pending' : 'posted', why);
        if (want.status !== 'open') assert.equal(hold.payout, want.walletPaid, why);
        const lines: Posting[] = [...(await rig.wallet.postings({ betId, limit: 10_000 }))];
        const paid = lines.filter((p) => p.account === 'available' && (p.kind === 'payout' || p.kind === 'payout_reversal')).reduce((s, p) => s + p.amount, 0n);
        assert.equal(paid, want.walletPaid, `${why}: net payout, never twice`);
        const balance = (await rig.wallet.balance(bet.player))!;
        assert.equal(balance.available, DEPOSIT - spec.stake + want.walletPaid, `${why}: balance to the cent`);
        assert.equal(balance.held, want.status === 'open' ? spec.stake : 0n, why);
      }
      const players = [...BETS, LATE].map((spec) => id(`p-${spec.suffix}`));
      assert.deepEqual(reconcile(await snapshotOf(rig, players)).discrepancies, [], "the run's ledger reconciles");
    },
  );
  await fc.assert(property, { numRuns: options.numRuns, ...(options.seed === undefined ? {} : { seed: options.seed }) });
  assert.deepEqual((await rig.settlement.reconcile()).discrepancies, [], 'the whole ledger reconciles');
}

/** The ledger of some players only (every line of their journals names them), so runs stay apart. */
async function snapshotOf(rig: Rig, players: readonly string[]): Promise<LedgerSnapshot> {
  const snapshot = { balances: [] as Balance[], postings: [] as Posting[], holds: [] as Hold[], bets: [] as Bet[] };
  for (const player of players) {
    snapshot.postings.push(...(await rig.wallet.postings({ player, limit: 10_000 })));
    snapshot.balances.push((await rig.wallet.balance(player))!);
    const bets = await rig.bets.listByPlayer(player, { limit: 1000 });
    snapshot.bets.push(...bets);
    for (const bet of bets) snapshot.holds.push((await rig.wallet.getHold(bet.betId))!);
  }
  return snapshot;
}
