/**
 * One event's markets as a bettor sees them (`event:<id>`): the snapshot's markets, then the odds
 * engine's PriceChanged and MarketStatusChanged deltas applied in seq order. A new epoch never
 * reaches here as a delta: the push client re-syncs the channel and a snapshot replaces it all.
 */
import { parseMarketKey } from '../../core/market-key.ts';
import type { ChannelReducer } from '../shared/channel-store.ts';
import type { OutcomePrice } from './live-list.ts';

export interface BookOutcome extends OutcomePrice {
  readonly version?: number;
}

export interface BookMarket {
  readonly marketKey: string;
  readonly marketId: number;
  readonly specifiers: string;
  /** open | suspended | closed | settled | cancelled. */
  readonly state: string;
  readonly reasons: readonly string[];
  readonly outcomes: readonly BookOutcome[];
}

export interface EventBook {
  readonly eventId: string | undefined;
  readonly markets: ReadonlyMap<string, BookMarket>;
}

type Change =
  | { readonly type: 'PriceChanged'; readonly marketKey: string; readonly state: string; readonly outcomes: readonly OutcomePrice[] }
  | { readonly type: 'MarketStatusChanged'; readonly marketKey: string; readonly state: string; readonly reasons: readonly string[] }
  | { readonly type: 'EpochStarted' };

export const eventBookReducer: ChannelReducer<EventBook> = {
  empty: { eventId: undefined, markets: new Map() },
  snapshot(data) {
    const snapshot = data as { eventId?: string; markets?: readonly BookMarket[] } | undefined;
    return { eventId: snapshot?.eventId, markets: new Map((snapshot?.markets ?? []).map((m) => [m.marketKey, m])) };
  },
  apply(book, changes) {
    const markets = new Map(book.markets);
    for (const change of changes as readonly Change[]) {
      if (change.type === 'EpochStarted') continue;
      const market = markets.get(change.marketKey) ?? newMarket(change.marketKey);
      if (change.type === 'PriceChanged') {
        const byId = new Map(market.outcomes.map((o) => [o.outcomeId, o]));
        for (const o of change.outcomes) byId.set(o.outcomeId, o);
        markets.set(change.marketKey, { ...market, state: change.state, reasons: change.state === 'open' ? [] : market.reasons, outcomes: [...byId.values()] });
      } else {
        markets.set(change.marketKey, { ...market, state: change.state, reasons: change.reasons });
      }
    }
    return { eventId: book.eventId, markets };
  },
};

function newMarket(marketKey: string): BookMarket {
  const slash = marketKey.indexOf('/');
  return {
    marketKey,
    marketId: parseMarketKey(marketKey).marketId,
    specifiers: slash < 0 ? '' : marketKey.slice(slash + 1),
    state: 'open',
    reasons: [],
    outcomes: [],
  };
}

/** Markets a bettor is offered: open or suspended (locked); closed and resulted ones are gone. */
export function offeredMarkets(book: EventBook): BookMarket[] {
  return [...book.markets.values()]
    .filter((m) => (m.state === 'open' && m.outcomes.some((o) => o.price !== undefined)) || (m.state === 'suspended' && m.outcomes.length > 0))
    .sort((a, b) => a.marketId - b.marketId || compareSpecifiers(a.specifiers, b.specifiers));
}

/** Lines in numeric order: total=1.5 before total=2.5 before total=10.5. */
function compareSpecifiers(a: string, b: string): number {
  const na = Number(/=(-?[\d.]+)/.exec(a)?.[1]);
  const nb = Number(/=(-?[\d.]+)/.exec(b)?.[1]);
  return Number.isFinite(na) && Number.isFinite(nb) && na !== nb ? na - nb : a.localeCompare(b);
}
