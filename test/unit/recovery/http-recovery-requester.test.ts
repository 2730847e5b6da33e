import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpRecoveryRequester } from '../../../adapters/recovery/http-recovery-requester.ts';
import type { HttpRecoveryRequesterOptions } from '../../../adapters/recovery/http-recovery-requester.ts';
import { isAppError } from '../../../core/errors.ts';
import type { AppError } from '../../../core/errors.ts';
import { silentLogger } from '../../../core/ports/logger.ts';
import { ManualClock } from '../../support/manual-clock.ts';
import { waitFor } from '../../support/wait.ts';

interface Received {
  method: string;
  url: URL;
  token: string | undefined;
}

describe('HttpRecoveryRequester', () => {
  let server: http.Server;
  let baseUrl: string;
  const received: Received[] = [];
  // What the next request gets; a test that must not be answered sets 'hang'.
  let answer: { status: number; body: string } | 'hang' = { status: 202, body: '<response response_code="ACCEPTED"/>' };
  const hanging: http.ServerResponse[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      received.push({
        method: req.method ?? '',
        url: new URL(req.url ?? '/', 'http://localhost'),
        token: req.headers['x-access-token'] as string | undefined,
      });
      if (answer === 'hang') {
        hanging.push(res);
        return;
      }
      res.writeHead(answer.status, { 'content-type': 'application/xml' }).end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  afterEach(() => {
    received.length = 0;
    answer = { status: 202, body: '<response response_code="ACCEPTED"/>' };
    for (const res of hanging.splice(0)) res.destroy();
  });

  function requester(clock = new ManualClock(), options: Partial<HttpRecoveryRequesterOptions> = {}) {
    return new HttpRecoveryRequester({ clock, logger: silentLogger }, { baseUrl, accessToken: 'token-1', ...options });
  }

  const failedWith = (status?: number, retriable = true) => (err: unknown) =>
    isAppError(err) && err.code === 'RECOVERY_FAILED' && err.retriable === retriable && (err as AppError).details?.status === status;

  test("POSTs to the producer's recovery path with after, request_id and the access token", async () => {
    const clock = new ManualClock();
    const after = clock.now() - 5 * 60_000;
    await requester(clock).requestRecovery({ producer: 1, requestId: 42, after });

    assert.equal(received.length, 1);
    const [req] = received;
    assert.equal(req!.method, 'POST');
    assert.equal(req!.url.pathname, '/v1/liveodds/recovery/initiate_request');
    assert.equal(req!.url.search, `?after=${after}&request_id=42`);
    assert.equal(req!.token, 'token-1');
  });

  test('uses each producer’s own API path and leaves after out for a full recovery', async () => {
    const r = requester(new ManualClock(), { nodeId: 7 });
    await r.requestRecovery({ producer: 3, requestId: 1 });
    await r.requestRecovery({ producer: 6, requestId: 2 });
    assert.deepEqual(
      received.map((q) => q.url.pathname + q.url.search),
      ['/v1/pre/recovery/initiate_request?request_id=1&node_id=7', '/v1/vf/recovery/initiate_request?request_id=2&node_id=7'],
    );
  });

  test("caps after to the producer's recovery window, measured on the clock", async () => {
    const clock = new ManualClock();
    const r = requester(clock);
    // Virtual football keeps 180 minutes; ask for 5 hours back.
    await r.requestRecovery({ producer: 6, requestId: 3, after: clock.now() - 5 * 3_600_000 });
    // Live odds keep 4320 minutes: one day back is inside the window and goes as asked.
    const dayAgo = clock.now() - 24 * 3_600_000;
    await r.requestRecovery({ producer: 1, requestId: 4, after: dayAgo });

    const cappedAfter = Number(received[0]!.url.searchParams.get('after'));
    assert.ok(cappedAfter > clock.now() - 180 * 60_000, 'inside the window');
    assert.ok(cappedAfter <= clock.now() - 178 * 60_000, 'no more than the margin inside');
    assert.equal(Number(received[1]!.url.searchParams.get('after')), dayAgo);
  });

  test('a refusal rejects with RECOVERY_FAILED carrying the status', async () => {
    answer = { status: 403, body: '<response response_code="FORBIDDEN"><message>bad token</message></response>' };
    await assert.rejects(requester().requestRecovery({ producer: 1, requestId: 5 }), (err) => {
      assert.ok(failedWith(403)(err));
      assert.match(String((err as AppError).details?.body), /bad token/);
      return true;
    });
    answer = { status: 500, body: '' };
    await assert.rejects(requester().requestRecovery({ producer: 1, requestId: 6 }), failedWith(500));
  });

  test('an unreachable API rejects with RECOVERY_FAILED', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const r = requester(new ManualClock(), { baseUrl: `http://127.0.0.1:${port}` });
    await assert.rejects(r.requestRecovery({ producer: 1, requestId: 7 }), failedWith(undefined));
  });

  test('a request left unanswered fails when the clock passes the timeout', async () => {
    answer = 'hang';
    const clock = new ManualClock();
    const pending = requester(clock, { timeoutMs: 2000 }).requestRecovery({ producer: 1, requestId: 8 });
    await waitFor(() => received.length === 1, { message: 'the request to arrive' });
    clock.advance(2000);
    await assert.rejects(pending, (err) => failedWith(undefined)(err) && /2000 ms/.test((err as Error).message));
  });

  test('a producer without a known API path fails without retrying', async () => {
    await assert.rejects(requester().requestRecovery({ producer: 99, requestId: 9 }), failedWith(undefined, false));
    assert.equal(received.length, 0);
    await requester(new ManualClock(), { productPaths: { 99: 'custom' } }).requestRecovery({ producer: 99, requestId: 10 });
    assert.equal(received[0]!.url.pathname, '/v1/custom/recovery/initiate_request');
  });
});
