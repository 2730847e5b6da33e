/**
 * The trading reports, for authenticated traders only:
 *
 *   GET /v1/trading/reports/ggr?from=YYYY-MM-DD&to=YYYY-MM-DD
 *   GET /v1/trading/reports/liability?eventId=&limit=
 *   GET /v1/trading/reports/price-history?eventId=&marketKey=&from=&to=&limit=
 *
 * GGR days are UTC and inclusive (at most 366). Price-history bounds are ISO 8601 date-times,
 * inclusive; the answer holds the most recent `limit` points of the window (default 500), oldest
 * first. Market keys contain '/' ("18/total=2.5"): clients URL-encode them. Money is a decimal
 * string with its currency; the semantics of each figure are in core/ports/analytics.ts. Queries
 * reject unknown fields; errors have the shape of app/http.ts with stable codes.
 */
import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import { AppError } from '../core/errors.ts';
import { REPORT_LIMITS, type AnalyticsReports } from '../core/ports/analytics.ts';

const DEFAULT_HISTORY_POINTS = 500;

const eventIdSchema = { type: 'string', pattern: '^[a-z][a-z0-9]*:[a-z_]+:\\d{1,19}$' } as const;
const daySchema = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;
const limitSchema = { type: 'string', pattern: '^[1-9]\\d{0,4}$' } as const;

const query = (properties: Record<string, unknown>, required: readonly string[] = []) => ({
  type: 'object',
  additionalProperties: false,
  required,
  properties,
});

export interface AnalyticsRoutesOptions {
  /** Rejects requests without a valid trader token (app/auth.ts); run as an onRequest hook. */
  readonly requireTrader: onRequestAsyncHookHandler;
}

/** A limit from the query, refused above the store's maximum (rather than silently cut). */
function limitOf(value: string | undefined, fallback: number): number {
  const limit = value === undefined ? fallback : Number(value);
  if (limit > REPORT_LIMITS.maxRows) throw new AppError('INVALID_REQUEST', `limit must be at most ${REPORT_LIMITS.maxRows}`);
  return limit;
}

/** A date-time the schema accepted, to ms; INVALID_REQUEST before 1970 (the store keeps nothing older). */
function instantOf(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!(ms >= 0)) throw new AppError('INVALID_REQUEST', `${name} must be a date-time from 1970 on`);
  return ms;
}

export function registerAnalyticsRoutes(app: FastifyInstance, reports: AnalyticsReports, { requireTrader }: AnalyticsRoutesOptions): void {
  // onRequest: the token is checked before anything is validated.
  const guarded = { onRequest: requireTrader };

  app.get<{ Querystring: { from: string; to: string } }>(
    '/v1/trading/reports/ggr',
    { ...guarded, schema: { querystring: query({ from: daySchema, to: daySchema }, ['from', 'to']) } },
    async (request) => {
      const { from, to } = request.query;
      return { from, to, rows: await reports.ggrBySportAndDay({ from, to }) };
    },
  );

  app.get<{ Querystring: { eventId?: string; limit?: string } }>(
    '/v1/trading/reports/liability',
    { ...guarded, schema: { querystring: query({ eventId: eventIdSchema, limit: limitSchema }) } },
    async (request) => {
      const { eventId, limit } = request.query;
      const rows = await reports.openLiability({ ...(eventId !== undefined ? { eventId } : {}), limit: limitOf(limit, REPORT_LIMITS.defaultLiabilityRows) });
      return { rows };
    },
  );

  app.get<{ Querystring: { eventId: string; marketKey: string; from?: string; to?: string; limit?: string } }>(
    '/v1/trading/reports/price-history',
    {
      ...guarded,
      schema: {
        querystring: query(
          {
            eventId: eventIdSchema,
            marketKey: { type: 'string', minLength: 1, maxLength: 200 },
            from: { type: 'string', format: 'date-time' },
            to: { type: 'string', format: 'date-time' },
            limit: limitSchema,
          },
          ['eventId', 'marketKey'],
        ),
      },
    },
    async (request) => {
      const q = request.query;
      const from = instantOf('from', q.from);
      const to = instantOf('to', q.to);
      const points = await reports.priceHistory({
        eventId: q.eventId,
        marketKey: q.marketKey,
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
        limit: limitOf(q.limit, DEFAULT_HISTORY_POINTS),
      });
      return { eventId: q.eventId, marketKey: q.marketKey, points };
    },
  );
}
