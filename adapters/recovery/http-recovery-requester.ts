import { AppError } from '../../core/errors.ts';
import { PRODUCERS, producerName } from '../../core/ids.ts';
import type { Clock } from '../../core/ports/clock.ts';
import type { RecoveryRequester } from '../../core/ports/feed-source.ts';
import type { Logger } from '../../core/ports/logger.ts';

/**
 * Each producer's path segment in the provider's API (the `api_url` its producers list gives,
 * e.g. `https://api.betradar.com/v1/liveodds/`). Not the producer's short name: LO is `liveodds`.
 */
export const UOF_PRODUCT_PATHS: Readonly<Record<number, string>> = {
  1: 'liveodds',
  3: 'pre',
  4: 'betpal',
  5: 'premium_cricket',
  6: 'vf',
};

export interface HttpRecoveryRequesterOptions {
  /** API root without the version, e.g. `https://stgapi.betradar.com` (integration) or `https://api.betradar.com`. */
  readonly baseUrl: string;
  /** Sent as `x-access-token`. */
  readonly accessToken: string;
  /** The provider's node id, when several nodes of one bookmaker recover separately. Default none. */
  readonly nodeId?: number;
  /** A request not answered in this time fails (retriable). Default 10 000 ms. */
  readonly timeoutMs?: number;
  /** Extra or replacement producer path segments, by producer id. */
  readonly productPaths?: Readonly<Record<number, string>>;
}

export interface HttpRecoveryRequesterDeps {
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * The provider refuses an `after` older than the producer's recovery window; so as not to be
 * refused over the request's own travel time, a capped `after` lands this far inside the window.
 */
const WINDOW_MARGIN_MS = 60_000;

/**
 * RecoveryRequester over the provider's HTTP API:
 * `POST {baseUrl}/v1/{product}/recovery/initiate_request?after={ms}&request_id={id}[&node_id={n}]`.
 *
 * `after` older than the producer's maximum recovery window (core/ids.ts) is moved to the
 * window's start, measured on the Clock: the provider would refuse it, and the messages before
 * are gone anyway. Any answer other than 2xx, a network error or a timeout rejects with
 * RECOVERY_FAILED (retriable), with the HTTP status in `details` when there was one.
 */
export class HttpRecoveryRequester implements RecoveryRequester {
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly baseUrl: string;
  private readonly accessToken: string;
  private readonly nodeId: number | undefined;
  private readonly timeoutMs: number;
  private readonly productPaths: Readonly<Record<number, string>>;

  constructor(deps: HttpRecoveryRequesterDeps, options: HttpRecoveryRequesterOptions) {
    this.clock = deps.clock;
    this.logger = deps.logger.child({ component: 'http-recovery-requester' });
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.accessToken = options.accessToken;
    this.nodeId = options.nodeId;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.productPaths = { ...UOF_PRODUCT_PATHS, ...options.productPaths };
  }

  async requestRecovery(request: { producer: number; requestId: number; after?: number }): Promise<void> {
    const { producer, requestId } = request;
    const product = this.productPaths[producer];
    if (product === undefined) {
      throw new AppError('RECOVERY_FAILED', `no API path known for producer ${producer}`, {
        retriable: false,
        details: { producer },
      });
    }
    const after = request.after === undefined ? undefined : this.capToWindow(producer, request.after);
    const url = new URL(`${this.baseUrl}/v1/${encodeURIComponent(product)}/recovery/initiate_request`);
    if (after !== undefined) url.searchParams.set('after', String(after));
    url.searchParams.set('request_id', String(requestId));
    if (this.nodeId !== undefined) url.searchParams.set('node_id', String(this.nodeId));

    const details = { producer: producerName(producer), requestId, after };
    const abort = new AbortController();
    const timer = this.clock.setTimeout(() => abort.abort(new Error(`no answer in ${this.timeoutMs} ms`)), this.timeoutMs);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'x-access-token': this.accessToken },
        signal: abort.signal,
      });
      // Read the body either way: it frees the connection, and a refusal explains itself in it.
      const body = await response.text();
      if (!response.ok) {
        throw new AppError('RECOVERY_FAILED', `recovery request refused: HTTP ${response.status}`, {
          details: { ...details, status: response.status, body: body.slice(0, 500) },
        });
      }
      this.logger.info({ ...details, status: response.status }, 'recovery requested');
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError('RECOVERY_FAILED', `recovery request failed: ${describe(err)}`, { cause: err, details });
    } finally {
      timer.cancel();
    }
  }

  private capToWindow(producer: number, after: number): number {
    const windowMinutes = PRODUCERS[producer]?.maxRecoveryMinutes;
    const oldest = windowMinutes === undefined ? -Infinity : this.clock.now() - windowMinutes * 60_000 + WINDOW_MARGIN_MS;
    return Math.floor(Math.max(after, oldest));
  }
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // fetch wraps the real reason (ECONNREFUSED, the abort reason) in `cause`.
  return err.cause instanceof Error ? `${err.message} (${err.cause.message})` : err.message;
}
