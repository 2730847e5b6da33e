/**
 * Channel names, the unit clients subscribe to:
 *
 *   event:<eventId>       one event's priced markets (sequenced by the odds engine)
 *   sport:<sportId>:live  the sport's live list: events, scores, status, main-market prices
 *                         (sequenced by the gateway)
 *   player:<playerId>     one player's private bet updates (sequenced by the gateway)
 *
 * Ids contain colons (`event:sr:match:1`, `sport:sr:sport:1:live`), so parsing anchors on the
 * prefix and, for sports, the `:live` suffix.
 */
import { isEventId, type EventId } from '../core/ids.ts';

export type Channel =
  | { readonly kind: 'event'; readonly name: string; readonly eventId: EventId }
  | { readonly kind: 'live'; readonly name: string; readonly sportId: string }
  | { readonly kind: 'player'; readonly name: string; readonly playerId: string };

export type ChannelKind = Channel['kind'];

/** Longest channel name accepted; real ones are far shorter. */
export const MAX_CHANNEL_LENGTH = 128;

/** Sport ids are URNs too (`sr:sport:1`); player ids are token subjects. */
const SPORT_ID = /^[a-z][a-z0-9]*:[a-z_]+:\d{1,19}$/;
const PLAYER_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

/** The channel a name denotes, or undefined when the name is not one the gateway serves. */
export function parseChannel(name: unknown): Channel | undefined {
  if (typeof name !== 'string' || name.length > MAX_CHANNEL_LENGTH) return undefined;
  if (name.startsWith('event:')) {
    const id = name.slice('event:'.length);
    return isEventId(id) ? { kind: 'event', name, eventId: id } : undefined;
  }
  if (name.startsWith('sport:') && name.endsWith(':live')) {
    const id = name.slice('sport:'.length, -':live'.length);
    return SPORT_ID.test(id) ? { kind: 'live', name, sportId: id } : undefined;
  }
  if (name.startsWith('player:')) {
    const id = name.slice('player:'.length);
    return PLAYER_ID.test(id) ? { kind: 'player', name, playerId: id } : undefined;
  }
  return undefined;
}

export const eventChannel = (eventId: string): string => `event:${eventId}`;
export const liveChannel = (sportId: string): string => `sport:${sportId}:live`;
export const playerChannel = (playerId: string): string => `player:${playerId}`;
