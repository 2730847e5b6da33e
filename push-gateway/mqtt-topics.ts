/**
 * MQTT topics of the push gateway, version 1, and who may read them:
 *
 *   sb/v1/events/<eventId>             retained snapshot of the event (QoS 1)
 *   sb/v1/events/<eventId>/delta       the event's deltas (QoS 0, epoch/seq)
 *   sb/v1/sports/<sportId>/live        retained snapshot of the sport's live list (QoS 1)
 *   sb/v1/sports/<sportId>/live/delta  the live list's deltas (QoS 0, epoch/seq)
 *   sb/v1/players/<playerId>/bets      the player's bet updates, private (QoS 1, not retained)
 *
 * Ids never contain `/`, `+` or `#` (event and sport ids are URNs, player ids are token
 * subjects of a restricted alphabet), so each id is exactly one topic level.
 */
import type { Channel } from './channels.ts';

export interface ChannelTopics {
  /** Retained snapshot topic; undefined for player channels (no snapshot is published). */
  readonly snapshot: string | undefined;
  /** Where the channel's delta frames go. */
  readonly delta: string;
  /** QoS of the delta topic: 1 for private bet updates, 0 for prices and the live list. */
  readonly deltaQos: 0 | 1;
}

export const MQTT_ROOT = 'sb/v1';

export function channelTopics(channel: Channel): ChannelTopics {
  switch (channel.kind) {
    case 'event': {
      const base = `${MQTT_ROOT}/events/${channel.eventId}`;
      return { snapshot: base, delta: `${base}/delta`, deltaQos: 0 };
    }
    case 'live': {
      const base = `${MQTT_ROOT}/sports/${channel.sportId}/live`;
      return { snapshot: base, delta: `${base}/delta`, deltaQos: 0 };
    }
    case 'player':
      return { snapshot: undefined, delta: playerTopic(channel.playerId), deltaQos: 1 };
  }
}

export const playerTopic = (playerId: string): string => `${MQTT_ROOT}/players/${playerId}/bets`;

/** Branches under MQTT_ROOT that anyone may read, anonymous clients included. */
const PUBLIC_BRANCHES = new Set(['events', 'sports']);

/**
 * May a client read this topic filter? `playerId` is the authenticated player (undefined for an
 * anonymous client). A filter is allowed only when every topic it can match is one the client
 * may read:
 * - `sb/v1/events/...` and `sb/v1/sports/...` with the first three levels literal: public;
 * - exactly `sb/v1/players/<own id>/bets`, no wildcard anywhere;
 * - nothing else: `#`, `sb/#`, `sb/v1/+/...`, `sb/v1/players/+/bets`, `$SYS/...`,
 *   `$share/...` are refused, as are filters that are not valid MQTT.
 */
export function mayRead(playerId: string | undefined, filter: string): boolean {
  const levels = filter.split('/');
  if (!isValidFilter(levels)) return false;
  const [root, version, branch] = levels;
  if (`${root}/${version}` !== MQTT_ROOT || branch === undefined) return false;
  if (PUBLIC_BRANCHES.has(branch)) return levels.length > 3;
  return playerId !== undefined && filter === playerTopic(playerId);
}

/** MQTT 3.1.1 §4.7: `#` only as the last level, `+` and `#` only as whole levels. */
function isValidFilter(levels: readonly string[]): boolean {
  return levels.every((level, i) => {
    if (level === '#') return i === levels.length - 1;
    if (level === '+') return true;
    return !level.includes('#') && !level.includes('+') && !level.includes('\u0000');
  });
}
