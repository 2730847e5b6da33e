/**
 * A settlement service on real in-memory (or injected) wallet, bet store and market result store,
 * with helpers to open accounts, place bets the way the acceptor does (hold, then store) and build
 * the feed messages settlement consumes.
 */
import type { BetAccepted, BetEvent } from '../../../core/contracts/bet-events.ts';
import type { Bet } from '../../../core/contracts/bets.ts';
import type { BetCancelled, BetSettled, CancelRolledBack, SettledOutcome, SettlementRolledBack } from '../../../core/contracts/feed.ts';
import type { EventId } from '../../../core/ids.ts';
import { toMinor, type Currency } from '../../../core/money.ts';
import type { BetStore } from '../../../core/ports/bet-store.ts';
import { silentLogger } from '../../../core/ports/logger.ts';
import type { LiabilityLedger } from '../../../core/ports/liability-ledger.ts';
import type { MarketResultStore } from '../../../core/ports/market-result-store.ts';
import type { Wallet } from '../../../core/ports/wallet.ts';
import { TOPICS } from '../../../core/topics.ts';
import { InMemoryBetStore } from '../../../adapters/bet-store/in-memory-bet-store.ts';
import { InMemoryBus } from '../../../adapters/bus/in-memory-bus.ts';
import { InMemoryMarketResultStore } from '../../../adapters/market-result-store/in-memory-market-result-store.ts';
import { PromMetrics } from '../../../adapters/metrics/prom-metrics.ts';
import { InMemoryWallet } from '../../../adapters/wallet/in-memory-wallet.ts';
import { createSettlement, type Settlement, type SettlementOptions } from '../../../settlement/settlement-service.ts';
import { ManualClock } from '../../support/manual-clock.ts';

export interface RigStores {
  readonly wallet: Wallet;
  readonly bets: BetStore;
  readonly results?: MarketResultStore;
  readonly liability?: LiabilityLedger;
}

export interface LegSpec {
  readonly eventId: string;
  readonly marketKey: string;
  readonly outcomeId: string;
  readonly odds: string;
}

export interface Rig {
  readonly clock: ManualClock;
  readonly bus: InMemoryBus;
  readonly metrics: PromMetrics;
  readonly wallet: Wallet;
  readonly bets: BetStore;
  readonly results: MarketResultStore;
  readonly settlement: Settlement;
  /** Every event published on bets.events, in order (delivered asynchronously: wait for them). */
  readonly events: BetEvent[];
  openAccount(player: string, deposit?: string, currency?: Currency): Promise<void>;
  /** Holds the stake and stores the bet, as the acceptor does. */
  place(bet: { betId: string; player: string; stake: string; legs: readonly LegSpec[]; placedAt?: number; currency?: Currency }): Promise<Bet>;
  accepted(bet: Bet): BetAccepted;
  close(): Promise<void>;
}

export async function createRig(stores?: (clock: ManualClock) => Promise<RigStores>, options: SettlementOptions = {}): Promise<Rig> {
  const clock = new ManualClock();
  const bus = new InMemoryBus({ retryBackoffMs: 1 });
  const metrics = new PromMetrics();
  const given = stores ? await stores(clock) : { wallet: new InMemoryWallet({ clock }), bets: new InMemoryBetStore({ clock }) };
  const results = given.results ?? new InMemoryMarketResultStore();
  const settlement = createSettlement(
    { bus, clock, logger: silentLogger, metrics, wallet: given.wallet, bets: given.bets, results, ...(given.liability ? { liability: given.liability } : {}) },
    options,
  );
  const events: BetEvent[] = [];
  const collector = await bus.subscribe<BetEvent>({ topics: [TOPICS.bets], groupId: 'test-collector', handler: async ({ value }) => void events.push(value) });

  return {
    clock,
    bus,
    metrics,
    wallet: given.wallet,
    bets: given.bets,
    results,
    settlement,
    events,
    async openAccount(player, deposit = '100.00', currency = 'EUR') {
      await given.wallet.openAccount({ player, currency });
      await given.wallet.deposit({ player, amount: toMinor(deposit, currency), currency, key: `deposit:${player}` });
    },
    async place({ betId, player, stake, legs, placedAt, currency = 'EUR' }) {
      const amount = toMinor(stake, currency);
      const held = await given.wallet.hold({ player, betId, amount, currency, key: `hold:${betId}` });
      if (held.status !== 'held') throw new Error(`no funds for ${betId}`);
      const { bet } = await given.bets.insert({
        betId,
        player,
        stake: amount,
        currency,
        placedAt: placedAt ?? clock.now(),
        legs: legs.map((l) => ({ ...l, eventId: l.eventId as EventId, priceVersion: { epoch: 'e1', seq: 1 } })),
      });
      return bet;
    },
    accepted(bet) {
      return {
        v: 1,
        type: 'BetAccepted',
        eventKey: `BetAccepted:${bet.betId}:1`,
        betId: bet.betId,
        playerId: bet.player,
        ts: bet.placedAt,
        traceId: `trace-${bet.betId}`,
        status: 'open',
        version: 1,
        stake: '0',
        currency: bet.currency,
        odds: '0',
        potentialPayout: '0',
        legs: bet.legs.map((l) => ({ eventId: l.eventId, marketKey: l.marketKey, outcomeId: l.outcomeId, odds: l.odds, priceVersion: l.priceVersion })),
        delayMs: 0,
      };
    },
    async close() {
      await settlement.stop();
      await collector.close();
      await bus.close();
    },
  };
}

const meta = (messageId: string, eventId: string) => ({
  v: 1 as const,
  messageId,
  traceId: `trace-${messageId}`,
  producer: 1,
  sourceTs: 1,
  receivedTs: 2,
  eventId: eventId as EventId,
});

export const outcome = (outcomeId: string, won: boolean, voidFactor = '0', deadHeatFactor = '1'): SettledOutcome => ({ outcomeId, won, voidFactor, deadHeatFactor });

export const feed = {
  settled(messageId: string, eventId: string, marketKey: string, outcomes: readonly SettledOutcome[], certainty: 1 | 2 = 1): BetSettled {
    return { ...meta(messageId, eventId), type: 'BetSettled', certainty, markets: [{ marketId: Number(marketKey.split('/')[0]), specifiers: '', marketKey, outcomes }] };
  },
  rolledBack(messageId: string, eventId: string, marketKey: string): SettlementRolledBack {
    return { ...meta(messageId, eventId), type: 'SettlementRolledBack', markets: [{ marketId: 1, specifiers: '', marketKey }] };
  },
  cancelled(messageId: string, eventId: string, marketKey: string, startTime?: number, endTime?: number): BetCancelled {
    return {
      ...meta(messageId, eventId),
      type: 'BetCancelled',
      ...(startTime === undefined ? {} : { startTime }),
      ...(endTime === undefined ? {} : { endTime }),
      markets: [{ marketId: 1, specifiers: '', marketKey }],
    };
  },
  cancelRolledBack(messageId: string, eventId: string, marketKey: string, startTime?: number, endTime?: number): CancelRolledBack {
    return {
      ...meta(messageId, eventId),
      type: 'CancelRolledBack',
      ...(startTime === undefined ? {} : { startTime }),
      ...(endTime === undefined ? {} : { endTime }),
      markets: [{ marketId: 1, specifiers: '', marketKey }],
    };
  },
};
