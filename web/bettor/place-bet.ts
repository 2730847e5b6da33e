/**
 * POST /v1/bets. Each bet gets its own Idempotency-Key; when the answer is lost on the way (the
 * connection dropped), the same request is sent again with the same key, so the bet can never be
 * taken twice and the page still learns what was decided.
 */
import { api, ApiError } from '../shared/api.ts';
import type { Position } from '../shared/push-client.ts';
import type { Bet } from './my-bets.ts';

export type OddsChangeMode = 'none' | 'higher' | 'any';

export interface BetLegRequest {
  readonly eventId: string;
  readonly marketId: number;
  readonly specifiers?: string;
  readonly outcomeId: string;
  readonly price: string;
  readonly priceVersion: Position;
}

export interface BetRequest {
  readonly stake: string;
  readonly oddsChange: OddsChangeMode;
  readonly legs: readonly BetLegRequest[];
}

export type PlaceResult =
  | { readonly status: 'accepted'; readonly bet: Bet; readonly delayMs: number; readonly balance: Balance }
  | { readonly status: 'rejected'; readonly code: string; readonly message: string; readonly details?: Readonly<Record<string, unknown>> };

export interface Balance {
  readonly currency: string;
  readonly available: string;
  readonly held: string;
}

const ATTEMPTS = 3;

export async function placeBet(token: string, request: BetRequest): Promise<PlaceResult> {
  const key = crypto.randomUUID();
  for (let attempt = 1; ; attempt += 1) {
    try {
      const accepted = await api<{ bet: Bet; delayMs: number; balance: Balance }>('/v1/bets', {
        method: 'POST',
        token,
        headers: { 'idempotency-key': key },
        body: request,
      });
      return { status: 'accepted', ...accepted };
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      // Lost answers and a request still being decided are asked again with the same key.
      const again = error.code === 'NETWORK' || error.code === 'REQUEST_IN_FLIGHT';
      if (again && attempt < ATTEMPTS) {
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
        continue;
      }
      return { status: 'rejected', code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) };
    }
  }
}
