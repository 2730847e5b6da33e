/**
 * JSON schemas of the bet API: fastify validates with them (no coercion, unknown fields
 * rejected) and openapi.ts publishes the same objects, so the document cannot drift from the
 * validation. Money and odds are decimal strings; querystring numbers are digit strings.
 */
import { ODDS_CHANGE_MODES } from './validation.ts';

const object = (properties: Record<string, unknown>, required: readonly string[] = []) =>
  ({ type: 'object', additionalProperties: false, required, properties }) as const;

export const BET_STATUSES = ['open', 'settled', 'cancelled'] as const;

const money = { type: 'string', pattern: '^(0|[1-9]\\d{0,11})(\\.\\d{1,8})?$', description: 'Decimal string in the currency, at most its number of decimals ("10.00").' } as const;
const odds = { type: 'string', pattern: '^\\d{1,4}(\\.\\d{1,4})?$', description: 'Decimal odds above 1, exact as published ("2.05").' } as const;
const eventId = { type: 'string', pattern: '^[a-z][a-z0-9]*:[a-z_]+:\\d{1,19}$', description: 'Event URN ("sr:match:12345").' } as const;
const betId = { type: 'string', pattern: '^[A-Za-z0-9-]{1,64}$' } as const;
const priceVersion = object(
  {
    epoch: { type: 'string', minLength: 1, maxLength: 64 },
    seq: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
  },
  ['epoch', 'seq'],
);

export function placeBetSchema(maxLegs: number) {
  return {
    headers: {
      type: 'object',
      required: ['idempotency-key'],
      properties: { 'idempotency-key': { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,100}$', description: 'Unique per bet the client means to place; reuse it only to retry.' } },
    },
    body: object(
      {
        stake: money,
        oddsChange: { type: 'string', enum: ODDS_CHANGE_MODES, default: 'none', description: 'none: only at the price seen; higher: at it or a better one; any: at whatever the price is.' },
        legs: {
          type: 'array',
          minItems: 1,
          maxItems: maxLegs,
          description: 'One leg: a single; more: an accumulator, one leg per event.',
          items: object(
            {
              eventId,
              marketId: { type: 'integer', minimum: 1, maximum: 1_000_000 },
              specifiers: { type: 'string', maxLength: 200, description: '`k=v|k=v` in any order; empty or absent for none.' },
              outcomeId: { type: 'string', minLength: 1, maxLength: 100 },
              price: odds,
              priceVersion,
            },
            ['eventId', 'marketId', 'outcomeId', 'price', 'priceVersion'],
          ),
        },
      },
      ['stake', 'legs'],
    ),
  } as const;
}

export const getBetSchema = { params: object({ betId }, ['betId']) } as const;

export const listBetsSchema = {
  querystring: object({
    status: { type: 'string', enum: BET_STATUSES },
    limit: { type: 'string', pattern: '^([1-9]\\d?|100)$', description: '1..100, default 50.' },
    before: { ...betId, description: 'A bet id: only bets placed before it (paging).' },
  }),
} as const;

/** Response shapes, for the OpenAPI document. */
const balanceView = object({ currency: { type: 'string' }, available: money, held: money }, ['currency', 'available', 'held']);
const betView = object(
  {
    betId,
    status: { type: 'string', enum: BET_STATUSES },
    stake: money,
    currency: { type: 'string' },
    odds: { type: 'string', description: 'Product of the legs\' odds, exact.' },
    potentialPayout: money,
    payout: money,
    legs: {
      type: 'array',
      items: object(
        {
          eventId,
          marketKey: { type: 'string' },
          outcomeId: { type: 'string' },
          odds,
          priceVersion,
          result: object({ won: { type: 'boolean' }, voidFactor: { type: 'string' }, deadHeatFactor: { type: 'string' } }),
        },
        ['eventId', 'marketKey', 'outcomeId', 'odds', 'priceVersion'],
      ),
    },
    placedAt: { type: 'integer', description: 'ms since epoch (UTC).' },
    version: { type: 'integer' },
  },
  ['betId', 'status', 'stake', 'currency', 'odds', 'potentialPayout', 'legs', 'placedAt', 'version'],
);

export const RESPONSES = {
  accepted: object({ status: { type: 'string', enum: ['accepted'] }, bet: betView, delayMs: { type: 'integer' }, balance: balanceView }, ['status', 'bet', 'delayMs', 'balance']),
  bet: betView,
  bets: object({ bets: { type: 'array', items: betView } }, ['bets']),
  balance: balanceView,
  error: object(
    {
      error: object(
        {
          code: { type: 'string' },
          message: { type: 'string' },
          details: {
            type: 'object',
            description: 'For bet rejections: `leg` (index), `current` (each leg\'s price now: price, state, priceVersion, version) and reason-specific fields.',
          },
        },
        ['code', 'message'],
      ),
    },
    ['error'],
  ),
} as const;
