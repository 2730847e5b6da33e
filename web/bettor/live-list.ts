/**
 * A sport's live list (`sport:<id>:live`): the events in play with score, clock, status and main
 * market, kept in the order the gateway lists them.
 */
import type { ChannelReducer } from '../shared/channel-store.ts';
import type { Competitor } from '../shared/names.ts';

export interface OutcomePrice {
  readonly outcomeId: string;
  readonly price?: string;
  readonly active: boolean;
}

export interface LiveMarket {
  readonly marketKey: string;
  readonly state: string;
  readonly reasons: readonly string[];
  readonly outcomes: readonly OutcomePrice[];
}

export interface LiveEvent {
  readonly eventId: string;
  readonly sportId: string;
  readonly tournament: { readonly id: string; readonly name: string };
  readonly competitors: readonly Competitor[];
  readonly scheduledStart: string;
  readonly status: string;
  readonly score?: { readonly home: number; readonly away: number };
  readonly matchTime?: string;
  readonly main?: LiveMarket;
}

export type LiveList = ReadonlyMap<string, LiveEvent>;

type LiveChange =
  | { readonly type: 'LiveEventUpdated'; readonly eventId: string; readonly event: Omit<LiveEvent, 'main'> }
  | { readonly type: 'LiveEventRemoved'; readonly eventId: string }
  | { readonly type: 'LiveMarketChanged'; readonly eventId: string; readonly market: LiveMarket };

export const liveListReducer: ChannelReducer<LiveList> = {
  empty: new Map(),
  snapshot(data) {
    const events = (data as { events?: readonly LiveEvent[] } | undefined)?.events ?? [];
    return new Map(events.map((e) => [e.eventId, e]));
  },
  apply(state, changes) {
    const next = new Map(state);
    for (const change of changes as readonly LiveChange[]) {
      switch (change.type) {
        case 'LiveEventUpdated': {
          const main = next.get(change.eventId)?.main;
          next.set(change.eventId, { ...change.event, ...(main ? { main } : {}) });
          break;
        }
        case 'LiveEventRemoved':
          next.delete(change.eventId);
          break;
        case 'LiveMarketChanged': {
          const event = next.get(change.eventId);
          if (event) next.set(change.eventId, { ...event, main: change.market });
          break;
        }
      }
    }
    return next;
  },
};
