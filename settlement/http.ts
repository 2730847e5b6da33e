/**
 * Settlement's trading route, for authenticated traders only:
 *
 *   GET /v1/trading/reconcile?limit=   the reconciliation report (reconcile.ts): ok, what was
 *                                      checked, and up to `limit` discrepancies (default 1000)
 *                                      with their total
 *
 * Errors have the shape of app/http.ts with stable codes.
 */
import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { Settlement } from './settlement-service.ts';

export interface SettlementRoutesOptions {
  /** Rejects requests without a valid trader token (app/auth.ts); run as an onRequest hook. */
  readonly requireTrader: onRequestAsyncHookHandler;
}

const query = {
  type: 'object',
  additionalProperties: false,
  properties: { limit: { type: 'string', pattern: '^([1-9]\\d{0,3}|10000)$' } },
} as const;

export function registerSettlementRoutes(app: FastifyInstance, settlement: Settlement, { requireTrader }: SettlementRoutesOptions): void {
  app.get<{ Querystring: { limit?: string } }>('/v1/trading/reconcile', { onRequest: requireTrader, schema: { querystring: query } }, async (request) => {
    const limit = request.query.limit === undefined ? 1000 : Number(request.query.limit);
    const report = await settlement.reconcile();
    return {
      ok: report.ok,
      checked: report.checked,
      total: report.discrepancies.length,
      discrepancies: report.discrepancies.slice(0, limit),
    };
  });
}
