/** What the console's panels share: the trader's token and the fixture catalog (names). */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { api, type RequestOptions } from '../shared/api.ts';
import type { FixtureIndex } from '../shared/fixtures.ts';
import { matchName } from '../shared/names.ts';

export interface Desk {
  readonly token: string;
  readonly fixtures: FixtureIndex;
  /** The API with the trader's token. */
  call<T>(path: string, options?: Omit<RequestOptions, 'token'>): Promise<T>;
}

export const DeskContext = createContext<Desk | undefined>(undefined);

export function useDesk(): Desk {
  const desk = useContext(DeskContext);
  if (!desk) throw new Error('useDesk outside the trading console');
  return desk;
}

export function createDesk(token: string, fixtures: FixtureIndex): Desk {
  return { token, fixtures, call: (path, options = {}) => api(path, { ...options, token }) };
}

/** "Home v Away", or the id while the catalog does not know the event. */
export function eventName(fixtures: FixtureIndex, eventId: string): string {
  const fixture = fixtures.get(eventId);
  return fixture ? matchName(fixture.competitors) : eventId;
}

/** Market keys carry '/', so they travel URL-encoded. */
export const enc = encodeURIComponent;
