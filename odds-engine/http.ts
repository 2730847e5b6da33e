/**
 * The trading API, under /v1/trading, for authenticated traders only:
 *
 *   GET    /v1/trading/events?phase=live|upcoming|ended|all&sport=&limit=
 *   GET    /v1/trading/events/:eventId
 *   POST   /v1/trading/events/:eventId/suspend | /resume
 *   POST   /v1/trading/events/:eventId/markets/:marketKey/suspend | /resume
 *   PUT    /v1/trading/events/:eventId/markets/:marketKey/outcomes/:outcomeId/shift   {ticks}
 *   DELETE /v1/trading/events/:eventId/markets/:marketKey/outcomes/:outcomeId/shift
 *   GET    /v1/trading/margins
 *   GET    /v1/trading/margins/default | /:level/:key
 *   PUT    /v1/trading/margins/default               {margin, method}
 *   PUT    /v1/trading/margins/:level/:key           {margin?, method?}
 *   DELETE /v1/trading/margins/:level/:key
 *   POST   /v1/trading/margins/preview               {level, key?, margin?, method?, remove?, limit?}
 *   GET    /v1/trading/audit?limit=&afterId=&action=&eventId=&actor=
 *
 * Market keys contain '/' ("18/total=2.5"): clients URL-encode them (%2F). Margins are JSON
 * numbers from 0 to 0.5 (not money). Every body and query rejects unknown fields; errors have the
 * shape of app/http.ts with stable codes.
 */
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { AppError } from '../core/errors.ts';
import { AUDIT_ACTIONS, type Actor, type AuditAction } from './audit-log.ts';
import type { EventPhase } from './event-state.ts';
import { MARGIN_BOUNDS, MARGIN_LEVELS, type MarginScope, type MarginSetting, type OverrideLevel } from './margin-config.ts';
import { MAX_SHIFT_TICKS, type MarginChangeResult, type OddsEngine } from './odds-engine-service.ts';
import { MARGIN_METHODS, type MarginMethod } from './pricing/index.ts';

const OVERRIDE_LEVELS = MARGIN_LEVELS.filter((l): l is OverrideLevel => l !== 'default');

const eventIdSchema = { type: 'string', pattern: '^[a-z][a-z0-9]*:[a-z_]+:\\d{1,19}$' } as const;
const marketKeySchema = { type: 'string', minLength: 1, maxLength: 200 } as const;
const marginSchema = { type: 'number', minimum: MARGIN_BOUNDS.min, maximum: MARGIN_BOUNDS.max } as const;
const methodSchema = { type: 'string', enum: MARGIN_METHODS } as const;
const limitSchema = (max: number) => ({ type: 'string', pattern: `^[1-9]\\d{0,${String(max).length - 1}}$` }) as const;

const object = (properties: Record<string, unknown>, required: readonly string[] = [], extra: Record<string, unknown> = {}) => ({
  type: 'object',
  additionalProperties: false,
  required,
  properties,
  ...extra,
});

const eventParams = object({ eventId: eventIdSchema }, ['eventId']);
const marketParams = object({ eventId: eventIdSchema, marketKey: marketKeySchema }, ['eventId', 'marketKey']);
const outcomeParams = object({ eventId: eventIdSchema, marketKey: marketKeySchema, outcomeId: { type: 'string', minLength: 1, maxLength: 100 } }, ['eventId', 'marketKey', 'outcomeId']);
const levelParams = object({ level: { type: 'string', enum: OVERRIDE_LEVELS }, key: { type: 'string', minLength: 1, maxLength: 100 } }, ['level', 'key']);

/** Actions take no body; one sent must be an empty object. */
async function noBody(request: FastifyRequest): Promise<void> {
  const body = request.body;
  if (body === undefined || body === null) return;
  if (typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0) return;
  throw new AppError('INVALID_REQUEST', 'this action takes no body');
}

export interface TradingRoutesOptions {
  /** Rejects requests without a valid trader token (app/auth.ts); run as an onRequest hook. */
  readonly requireTrader: onRequestAsyncHookHandler;
}

export function registerTradingRoutes(app: FastifyInstance, engine: OddsEngine, { requireTrader }: TradingRoutesOptions): void {
  // onRequest: the token is checked before the body is parsed or anything validated.
  const guarded = { onRequest: requireTrader };

  app.get<{ Querystring: { phase?: EventPhase | 'all'; sport?: string; limit?: string } }>(
    '/v1/trading/events',
    {
      ...guarded,
      schema: {
        querystring: object({
          phase: { type: 'string', enum: ['live', 'upcoming', 'ended', 'all'] },
          sport: { type: 'string', pattern: '^[a-z]+:sport:\\d+$' },
          limit: limitSchema(1000),
        }),
      },
    },
    async (request) => {
      const { phase, sport, limit } = request.query;
      const phases: EventPhase[] = phase === undefined ? ['live', 'upcoming'] : phase === 'all' ? ['live', 'upcoming', 'ended'] : [phase];
      const events = engine.tradingEvents({ phases, ...(sport ? { sportId: sport } : {}), limit: limit ? Math.min(Number(limit), 1000) : 200 });
      return { events };
    },
  );

  app.get<{ Params: { eventId: string } }>('/v1/trading/events/:eventId', { ...guarded, schema: { params: eventParams } }, async (request) => {
    const event = engine.tradingEvent(request.params.eventId);
    if (!event) throw new AppError('NOT_FOUND', `the odds engine prices no event ${request.params.eventId}`, { details: { eventId: request.params.eventId } });
    return event;
  });

  for (const action of ['suspend', 'resume'] as const) {
    app.post<{ Params: { eventId: string } }>(`/v1/trading/events/:eventId/${action}`, { ...guarded, preValidation: noBody, schema: { params: eventParams } }, async (request) => {
      const actor = actorOf(request);
      const { eventId } = request.params;
      const result = action === 'suspend' ? await engine.suspendEvent(eventId, actor) : await engine.resumeEvent(eventId, actor);
      return { changed: result.changed, ...(result.auditId !== undefined ? { auditId: result.auditId } : {}), event: result.view };
    });

    app.post<{ Params: { eventId: string; marketKey: string } }>(
      `/v1/trading/events/:eventId/markets/:marketKey/${action}`,
      { ...guarded, preValidation: noBody, schema: { params: marketParams } },
      async (request) => {
        const actor = actorOf(request);
        const { eventId, marketKey } = request.params;
        const result = action === 'suspend' ? await engine.suspendMarket(eventId, marketKey, actor) : await engine.resumeMarket(eventId, marketKey, actor);
        return { changed: result.changed, ...(result.auditId !== undefined ? { auditId: result.auditId } : {}), market: result.view };
      },
    );
  }

  const shiftPath = '/v1/trading/events/:eventId/markets/:marketKey/outcomes/:outcomeId/shift';
  app.put<{ Params: { eventId: string; marketKey: string; outcomeId: string }; Body: { ticks: number } }>(
    shiftPath,
    {
      ...guarded,
      schema: {
        params: outcomeParams,
        body: object({ ticks: { type: 'integer', minimum: -MAX_SHIFT_TICKS, maximum: MAX_SHIFT_TICKS, not: { const: 0 } } }, ['ticks']),
      },
    },
    async (request) => {
      const { eventId, marketKey, outcomeId } = request.params;
      const result = await engine.shiftPrice(eventId, marketKey, outcomeId, request.body.ticks, actorOf(request));
      return { changed: result.changed, ...(result.auditId !== undefined ? { auditId: result.auditId } : {}), market: result.view };
    },
  );

  app.delete<{ Params: { eventId: string; marketKey: string; outcomeId: string } }>(shiftPath, { ...guarded, schema: { params: outcomeParams } }, async (request) => {
    const { eventId, marketKey, outcomeId } = request.params;
    const result = await engine.shiftPrice(eventId, marketKey, outcomeId, 0, actorOf(request));
    return { changed: result.changed, ...(result.auditId !== undefined ? { auditId: result.auditId } : {}), market: result.view };
  });

  app.get('/v1/trading/margins', { ...guarded }, async () => ({
    margins: engine.margins().map((e) => ({ level: e.scope.level, ...(e.scope.level === 'default' ? {} : { key: e.scope.key }), ...e.setting })),
    bounds: MARGIN_BOUNDS,
    methods: MARGIN_METHODS,
  }));

  const marginAt = (scope: MarginScope) => {
    const entry = engine.margins().find((e) => e.scope.level === scope.level && (scope.level === 'default' || (e.scope.level !== 'default' && e.scope.key === scope.key)));
    if (!entry) throw new AppError('NOT_FOUND', `no margin is set at ${scope.level === 'default' ? 'default' : `${scope.level} ${scope.key}`}`, { details: { ...scope } });
    return { ...scope, ...entry.setting };
  };

  app.get('/v1/trading/margins/default', { ...guarded }, async () => marginAt({ level: 'default' }));

  app.get<{ Params: { level: OverrideLevel; key: string } }>('/v1/trading/margins/:level/:key', { ...guarded, schema: { params: levelParams } }, async (request) =>
    marginAt({ level: request.params.level, key: request.params.key }),
  );

  app.put<{ Body: { margin: number; method: MarginMethod } }>(
    '/v1/trading/margins/default',
    { ...guarded, schema: { body: object({ margin: marginSchema, method: methodSchema }, ['margin', 'method']) } },
    async (request) => marginResult(await engine.setMargin({ level: 'default' }, request.body, actorOf(request))),
  );

  app.put<{ Params: { level: OverrideLevel; key: string }; Body: MarginSetting }>(
    '/v1/trading/margins/:level/:key',
    { ...guarded, schema: { params: levelParams, body: object({ margin: marginSchema, method: methodSchema }, [], { minProperties: 1 }) } },
    async (request) => marginResult(await engine.setMargin({ level: request.params.level, key: request.params.key }, request.body, actorOf(request))),
  );

  app.delete<{ Params: { level: OverrideLevel; key: string } }>('/v1/trading/margins/:level/:key', { ...guarded, schema: { params: levelParams } }, async (request) =>
    marginResult(await engine.removeMargin({ level: request.params.level, key: request.params.key }, actorOf(request))),
  );

  app.post<{ Body: { level: MarginScope['level']; key?: string; margin?: number; method?: MarginMethod; remove?: boolean; limit?: number } }>(
    '/v1/trading/margins/preview',
    {
      ...guarded,
      schema: {
        body: object(
          {
            level: { type: 'string', enum: MARGIN_LEVELS },
            key: { type: 'string', minLength: 1, maxLength: 100 },
            margin: marginSchema,
            method: methodSchema,
            remove: { type: 'boolean' },
            limit: { type: 'integer', minimum: 1, maximum: 5000 },
          },
          ['level'],
        ),
      },
    },
    async (request) => {
      const { level, key, margin, method, remove, limit } = request.body;
      const scope = scopeOf(level, key);
      const changesSomething = margin !== undefined || method !== undefined;
      if (remove === true && changesSomething) throw new AppError('INVALID_REQUEST', 'a preview either removes a setting or proposes one, not both');
      if (remove !== true && !changesSomething) throw new AppError('INVALID_REQUEST', 'a preview proposes a margin, a method or both (or remove: true)');
      const setting: MarginSetting | undefined =
        remove === true ? undefined : { ...(margin !== undefined ? { margin } : {}), ...(method !== undefined ? { method } : {}) };
      return engine.previewMargin(scope, setting, limit ?? 500);
    },
  );

  app.get<{ Querystring: { limit?: string; afterId?: string; action?: AuditAction; eventId?: string; actor?: string } }>(
    '/v1/trading/audit',
    {
      ...guarded,
      schema: {
        querystring: object({
          limit: limitSchema(1000),
          afterId: { type: 'string', pattern: '^\\d{1,15}$' },
          action: { type: 'string', enum: AUDIT_ACTIONS },
          eventId: eventIdSchema,
          actor: { type: 'string', minLength: 1, maxLength: 64 },
        }),
      },
    },
    async (request) => {
      const q = request.query;
      const entries = engine.audit({
        limit: q.limit ? Math.min(Number(q.limit), 1000) : 100,
        ...(q.afterId !== undefined ? { afterId: Number(q.afterId) } : {}),
        ...(q.action !== undefined ? { action: q.action } : {}),
        ...(q.eventId !== undefined ? { eventId: q.eventId } : {}),
        ...(q.actor !== undefined ? { actor: q.actor } : {}),
      });
      return { entries: entries.map((e) => ({ ...e, at: new Date(e.ts).toISOString() })) };
    },
  );
}

/** The trader behind a request, as the auth pre-handler left it on `request.user`. */
function actorOf(request: FastifyRequest): Actor {
  const user = (request as FastifyRequest & { user?: { sub?: unknown; name?: unknown } }).user;
  if (typeof user?.sub !== 'string') throw new AppError('UNAUTHORIZED', 'a valid bearer token is required');
  return typeof user.name === 'string' ? { sub: user.sub, name: user.name } : { sub: user.sub };
}

function scopeOf(level: MarginScope['level'], key: string | undefined): MarginScope {
  if (level === 'default') {
    if (key !== undefined) throw new AppError('INVALID_REQUEST', 'the default margin has no key');
    return { level };
  }
  if (key === undefined) throw new AppError('INVALID_REQUEST', `a ${level} margin needs a key`);
  return { level, key };
}

function marginResult(result: MarginChangeResult) {
  return {
    level: result.scope.level,
    ...(result.scope.level === 'default' ? {} : { key: result.scope.key }),
    before: result.before ?? null,
    after: result.after ?? null,
    repriced: { events: result.events, markets: result.markets },
    auditId: result.auditId,
  };
}
