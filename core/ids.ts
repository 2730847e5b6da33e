/**
 * Identifiers as the provider writes them.
 *
 * Events are URNs (`sr:match:123`, `sr:stage:9`, `od:match:1`): prefix, type and a numeric id.
 * Producers are the provider's numeric product ids (1 = LiveOdds, 3 = Ctrl / pre-match, ...).
 */
import { AppError } from './errors.ts';

export type EventId = string & { readonly __brand: 'EventId' };
export type ProducerId = number;

const URN = /^([a-z][a-z0-9]*):([a-z_]+):(\d{1,19})$/;

export interface Urn {
  readonly prefix: string;
  readonly type: string;
  readonly id: string;
}

export function parseUrn(value: string): Urn | undefined {
  const m = URN.exec(value);
  return m ? { prefix: m[1]!, type: m[2]!, id: m[3]! } : undefined;
}

export function isEventId(value: string): value is EventId {
  return URN.test(value);
}

/** Validates and brands an event URN; throws FEED_INVALID_VALUE otherwise. */
export function eventId(value: string): EventId {
  if (!isEventId(value)) {
    throw new AppError('FEED_INVALID_VALUE', `not an event URN: ${JSON.stringify(value.slice(0, 80))}`);
  }
  return value;
}

/** Known producers and their names; unknown ids are still accepted as numbers. */
export const PRODUCERS: Readonly<Record<number, { name: string; live: boolean; maxRecoveryMinutes: number }>> = {
  1: { name: 'LO', live: true, maxRecoveryMinutes: 4320 },
  3: { name: 'Ctrl', live: false, maxRecoveryMinutes: 4320 },
  4: { name: 'BetPal', live: true, maxRecoveryMinutes: 4320 },
  5: { name: 'PremiumCricket', live: true, maxRecoveryMinutes: 4320 },
  6: { name: 'VF', live: true, maxRecoveryMinutes: 180 },
};

export function producerName(producer: ProducerId): string {
  return PRODUCERS[producer]?.name ?? `producer-${producer}`;
}
