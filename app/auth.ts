/**
 * Who is calling: JWT bearer tokens (HS256) with a `role` claim. Traders steer prices; players
 * bet and read their own bets. Embedded mode can mint demo tokens (POST /v1/dev/tokens), a route
 * that does not exist in any other mode.
 *
 * Verified tokens are remembered by their exact text until they expire (bounded, oldest first
 * out): checking an HS256 signature costs more than the rest of a bet's HTTP handling, and a
 * client sends the same token with every request. Only tokens that verified are kept, so a bad
 * token is checked in full every time and cannot push good ones out.
 */
import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { AppError } from '../core/errors.ts';

export type Role = 'trader' | 'player';

export interface Principal {
  readonly sub: string;
  readonly role: Role;
  readonly name?: string;
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: Principal;
    user: Principal;
  }
}

export interface Auth {
  readonly requireTrader: preHandlerAsyncHookHandler;
  readonly requirePlayer: preHandlerAsyncHookHandler;
  /** Signs a token for a principal (demo tokens, tests). */
  sign(principal: Principal, expiresIn?: string): string;
  /** Verifies a raw token (socket.io / MQTT handshakes); undefined when invalid. */
  verify(token: string): Principal | undefined;
}

export interface AuthOptions {
  readonly secret: string;
  readonly demoTokens: boolean;
  /** Lifetime of signed tokens. Default '12h'. */
  readonly tokenTtl?: string;
  /** Verified tokens remembered. Default 10,000. */
  readonly verifiedTokens?: number;
}

/** How long a verified token without `exp` is trusted before it is checked again. */
const UNBOUNDED_TOKEN_MS = 600_000;

export async function registerAuth(app: FastifyInstance, options: AuthOptions): Promise<Auth> {
  await app.register(fastifyJwt, { secret: options.secret, sign: { algorithm: 'HS256' }, verify: { algorithms: ['HS256'] } });
  const verified = new VerifiedTokens(options.verifiedTokens ?? 10_000);

  const requireRole = (role: Role): preHandlerAsyncHookHandler =>
    async function requireRoleHook(request: FastifyRequest) {
      const token = bearerToken(request.headers.authorization);
      const known = token === undefined ? undefined : verified.get(token);
      if (known !== undefined) {
        request.user = known;
      } else {
        try {
          await request.jwtVerify();
        } catch (cause) {
          throw new AppError('UNAUTHORIZED', 'a valid bearer token is required', { cause });
        }
        if (token !== undefined) request.user = verified.set(token, request.user);
      }
      if (request.user.role !== role) throw new AppError('FORBIDDEN', `this route needs the ${role} role`);
    };

  const auth: Auth = {
    requireTrader: requireRole('trader'),
    requirePlayer: requireRole('player'),
    sign: (principal, expiresIn = options.tokenTtl ?? '12h') => app.jwt.sign({ ...principal }, { expiresIn }),
    verify: (token) => {
      let principal = verified.get(token);
      if (principal === undefined) {
        try {
          principal = verified.set(token, app.jwt.verify<Principal>(token));
        } catch {
          return undefined;
        }
      }
      return principal.role === 'trader' || principal.role === 'player' ? principal : undefined;
    },
  };

  if (options.demoTokens) {
    app.post<{ Body: Principal }>(
      '/v1/dev/tokens',
      {
        schema: {
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['sub', 'role'],
            properties: {
              sub: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,64}$' },
              role: { type: 'string', enum: ['trader', 'player'] },
              name: { type: 'string', maxLength: 64 },
            },
          },
        },
      },
      async (request) => ({ token: auth.sign(request.body), principal: request.body }),
    );
  }
  return auth;
}

/** The token of an `Authorization: Bearer <token>` header, read as @fastify/jwt reads it. */
function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  // The usual spelling, without a regular expression or a split.
  if (header.startsWith('Bearer ')) return header.length > 7 && header.indexOf(' ', 7) < 0 ? header.slice(7) : undefined;
  if (!/^Bearer\s/i.test(header)) return undefined;
  const parts = header.split(' ');
  return parts.length === 2 && parts[1] ? parts[1] : undefined;
}

interface VerifiedToken {
  readonly principal: Principal;
  /** Date.now() at or before which the token is still valid: its `exp`, as the verifier reads it. */
  readonly validUntil: number;
}

/**
 * Tokens whose signature and claims checked out, by token text. Expiry is judged on Date.now(),
 * the clock the JWT verifier itself uses, so a remembered token stops working at the same
 * millisecond a fresh verification would refuse it. When full, the token remembered longest ago
 * goes first: a token in use that leaves is verified again once and comes back.
 */
class VerifiedTokens {
  private readonly capacity: number;
  /** In the order they were verified, oldest first. */
  private readonly tokens = new Map<string, VerifiedToken>();

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get(token: string): Principal | undefined {
    const entry = this.tokens.get(token);
    if (entry === undefined) return undefined;
    if (Date.now() <= entry.validUntil) return entry.principal;
    this.tokens.delete(token);
    return undefined;
  }

  /** Remembers a token that just verified; returns its principal, frozen (requests share it). */
  set(token: string, payload: Principal): Principal {
    const principal = Object.freeze(payload);
    const exp = (payload as { exp?: unknown }).exp;
    const bound = Date.now() + UNBOUNDED_TOKEN_MS;
    const validUntil = typeof exp === 'number' ? Math.min(exp * 1000, bound) : bound;
    if (this.capacity < 1) return principal;
    if (this.tokens.size >= this.capacity) this.tokens.delete(this.tokens.keys().next().value!);
    this.tokens.set(token, { principal, validUntil });
    return principal;
  }
}
