/**
 * The bet API, for authenticated players (the player is the token's subject, never the body):
 *
 *   POST /v1/bets           header Idempotency-Key; body {stake, oddsChange?, legs[]}
 *   GET  /v1/bets/:betId    one of the player's own bets
 *   GET  /v1/bets?status=&limit=&before=   the player's bets, newest first
 *   GET  /v1/wallet         the player's balance
 *   GET  /v1/openapi.json   the OpenAPI document of these routes (public)
 *
 * Rate limits: every request to these routes counts against its client address before the token
 * is checked, then against the player; over either limit is 429 RATE_LIMITED with Retry-After.
 * A limiter that cannot be reached lets requests through (logged): betting stays up when the
 * limiter's store is down.
 *
 * A replayed answer to a retried POST carries `Idempotent-Replayed: true`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { AppError } from '../core/errors.ts';
import type { Logger } from '../core/ports/logger.ts';
import type { BetAcceptor } from './bet-acceptor-service.ts';
import { buildOpenApi } from './openapi.ts';
import { getBetSchema, listBetsSchema, placeBetSchema, RESPONSES, type BET_STATUSES } from './schemas.ts';
import type { BetRequest } from './validation.ts';
import { balanceView, betView } from './views.ts';

export interface BetRoutesOptions {
  /** Rejects requests without a valid player token (app/auth.ts); run as an onRequest hook. */
  readonly requirePlayer: onRequestAsyncHookHandler;
  readonly logger: Logger;
}

export function registerBetRoutes(app: FastifyInstance, acceptor: BetAcceptor, { requirePlayer, logger }: BetRoutesOptions): void {
  const limit = async (kind: 'player' | 'ip', key: string, reply: FastifyReply) => {
    let decision;
    try {
      decision = await acceptor.rateLimit(kind, key);
    } catch (error) {
      logger.warn({ err: error, kind }, 'rate limiter unavailable: request let through');
      return;
    }
    if (decision.allowed) return;
    void reply.header('retry-after', String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000))));
    throw new AppError('RATE_LIMITED', `too many requests from this ${kind === 'ip' ? 'address' : 'player'}; retry in ${Math.ceil(decision.retryAfterMs / 1000)} s`);
  };
  // One hook for the three steps, in their order: each hook fastify runs costs a promise round.
  const guard: onRequestAsyncHookHandler = async function guard(request, reply) {
    await limit('ip', request.ip, reply);
    await requirePlayer.call(this, request, reply);
    await limit('player', playerOf(request), reply);
  };
  const guarded = { onRequest: guard };

  app.post<{ Body: BetRequest; Headers: { 'idempotency-key': string } }>(
    '/v1/bets',
    // The 201 schema lets fastify serialize accepted bets with a compiled serializer; other
    // answers (rejections, errors) keep plain JSON.
    { ...guarded, schema: { ...placeBetSchema(acceptor.maxLegs), response: { 201: RESPONSES.accepted } } },
    async (request, reply) => {
      const { response, replayed } = await acceptor.place(playerOf(request), request.headers['idempotency-key'], request.body, request.id);
      if (replayed) void reply.header('idempotent-replayed', 'true');
      return reply.status(response.statusCode).send(response.body);
    },
  );

  app.get<{ Params: { betId: string } }>('/v1/bets/:betId', { ...guarded, schema: getBetSchema }, async (request) => {
    const bet = await acceptor.getBet(playerOf(request), request.params.betId);
    if (!bet) throw new AppError('NOT_FOUND', `no bet ${request.params.betId}`);
    return betView(bet);
  });

  app.get<{ Querystring: { status?: (typeof BET_STATUSES)[number]; limit?: string; before?: string } }>(
    '/v1/bets',
    { ...guarded, schema: listBetsSchema },
    async (request) => {
      const { status, limit: max, before } = request.query;
      const bets = await acceptor.listBets(playerOf(request), { limit: max ? Number(max) : 50, ...(status ? { status } : {}), ...(before ? { before } : {}) });
      return { bets: bets.map(betView) };
    },
  );

  app.get('/v1/wallet', guarded, async (request) => {
    const balance = await acceptor.balance(playerOf(request));
    if (!balance) throw new AppError('ACCOUNT_NOT_FOUND', 'this player has no wallet account');
    return balanceView(balance);
  });

  const document = buildOpenApi(acceptor.maxLegs);
  app.get('/v1/openapi.json', async () => document);
}

/** The player behind a request, as the auth hook left it on `request.user`. */
function playerOf(request: FastifyRequest): string {
  const user = (request as FastifyRequest & { user?: { sub?: unknown } }).user;
  if (typeof user?.sub !== 'string') throw new AppError('UNAUTHORIZED', 'a valid bearer token is required');
  return user.sub;
}
