/** The OpenAPI 3.1 document of the bet API, built from the schemas fastify validates with. */
import { ERROR_CODES } from '../core/errors.ts';
import { getBetSchema, listBetsSchema, placeBetSchema, RESPONSES } from './schemas.ts';

const REJECTIONS = [
  'EVENT_NOT_FOUND',
  'MARKET_NOT_FOUND',
  'MARKET_SUSPENDED',
  'PRICE_CHANGED',
  'STAKE_TOO_LOW',
  'STAKE_TOO_HIGH',
  'LIABILITY_EXCEEDED',
  'INSUFFICIENT_FUNDS',
  'BET_STOPPED_DURING_DELAY',
  'DUPLICATE_REQUEST',
] as const;

const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });
const error = (description: string) => ({ description, ...json({ $ref: '#/components/schemas/Error' }) });
const common = {
  '401': error('UNAUTHORIZED: no valid bearer token.'),
  '403': error('FORBIDDEN: the token is not a player\'s.'),
  '429': error('RATE_LIMITED: too many requests from this player or address; see Retry-After.'),
};

export function buildOpenApi(maxLegs: number) {
  const place = placeBetSchema(maxLegs);
  const queryParameters = Object.entries(listBetsSchema.querystring.properties).map(([name, schema]) => ({ name, in: 'query', required: false, schema }));
  return {
    openapi: '3.1.0',
    info: { title: 'Sportsbook bet API', version: '1' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Error: RESPONSES.error, Bet: RESPONSES.bet },
    },
    security: [{ bearer: [] }],
    paths: {
      '/v1/bets': {
        post: {
          summary: 'Place a bet (single or accumulator) against the live prices',
          description:
            'The response is the final decision, after the in-play delay for live events. Rejections are 422 with a stable reason code in `error.code` ' +
            `(${REJECTIONS.join(', ')}) and the current prices in \`error.details.current\` where they help. ` +
            'The same Idempotency-Key with the same body returns the original answer (header Idempotent-Replayed: true); with another body it is 422 DUPLICATE_REQUEST.',
          parameters: [{ name: 'Idempotency-Key', in: 'header', required: true, schema: place.headers.properties['idempotency-key'] }],
          requestBody: { required: true, ...json(place.body) },
          responses: {
            '201': { description: 'Accepted.', ...json(RESPONSES.accepted) },
            '400': error('INVALID_REQUEST: the body does not match the schema or makes no sense (two legs of one event, a stake with too many decimals).'),
            '409': error(`REQUEST_IN_FLIGHT: ${ERROR_CODES.REQUEST_IN_FLIGHT.doc}`),
            '422': error('The bet was rejected; `error.code` says why.'),
            '503': error('DEPENDENCY_UNAVAILABLE: a store could not be reached; nothing was held. Retry with the same Idempotency-Key.'),
            ...common,
          },
        },
        get: {
          summary: "The player's bets, newest first",
          parameters: queryParameters,
          responses: { '200': { description: 'The bets.', ...json(RESPONSES.bets) }, '400': error('INVALID_REQUEST.'), ...common },
        },
      },
      '/v1/bets/{betId}': {
        get: {
          summary: "One of the player's bets",
          parameters: [{ name: 'betId', in: 'path', required: true, schema: getBetSchema.params.properties.betId }],
          responses: { '200': { description: 'The bet.', ...json({ $ref: '#/components/schemas/Bet' }) }, '404': error('NOT_FOUND: no such bet of this player.'), ...common },
        },
      },
      '/v1/wallet': {
        get: {
          summary: "The player's balance",
          responses: { '200': { description: 'Available and held money.', ...json(RESPONSES.balance) }, '404': error('ACCOUNT_NOT_FOUND.'), ...common },
        },
      },
      '/v1/openapi.json': { get: { summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1.' } } } },
    },
  };
}
