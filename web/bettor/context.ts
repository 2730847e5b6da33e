/** What every part of the bettor page shares: the channels, the catalog, the slip, the session. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { useChannel, type ChannelStores, type ChannelView } from '../shared/channel-store.ts';
import type { FixtureIndex } from '../shared/fixtures.ts';
import type { ConnectionState } from '../shared/push-client.ts';
import { eventBookReducer, type EventBook } from './event-book.ts';
import { liveListReducer, type LiveList } from './live-list.ts';
import type { Selection } from './selections.ts';

export interface Bettor {
  readonly stores: ChannelStores;
  readonly fixtures: FixtureIndex;
  readonly connection: ConnectionState;
  readonly selections: readonly Selection[];
  toggle(selection: Selection): void;
  /** Formats an amount in the player's currency. */
  money(amount: string): string;
}

export const BettorContext = createContext<Bettor | undefined>(undefined);

export function useBettor(): Bettor {
  const bettor = useContext(BettorContext);
  if (!bettor) throw new Error('useBettor outside the bettor page');
  return bettor;
}

export function useEventBook(eventId: string | undefined): ChannelView<EventBook> | undefined {
  const { stores } = useBettor();
  return useChannel(eventId === undefined ? undefined : stores.get(`event:${eventId}`, eventBookReducer));
}

export function useLiveList(sportId: string | undefined): ChannelView<LiveList> | undefined {
  const { stores } = useBettor();
  return useChannel(sportId === undefined ? undefined : stores.get(`sport:${sportId}:live`, liveListReducer));
}

/** The main market of each sport's board (the live list uses the same). */
const MAIN_MARKETS: Readonly<Record<string, string>> = { 'sr:sport:1': '1', 'sr:sport:2': '219', 'sr:sport:5': '186' };

export function mainMarketKey(sportId: string): string {
  return MAIN_MARKETS[sportId] ?? '1';
}
