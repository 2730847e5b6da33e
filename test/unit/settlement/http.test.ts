import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { registerAuth, type Auth } from '../../../app/auth.ts';
import { createHttpServer } from '../../../app/http.ts';
import { silentLogger } from '../../../core/ports/logger.ts';
import { registerSettlementRoutes } from '../../../settlement/http.ts';
import { createRig, feed, outcome, type Rig } from './rig.ts';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../../scripts/reconcile.ts', import.meta.url));

describe('GET /v1/trading/reconcile and the reconcile command', () => {
  let rig: Rig;
  let app: FastifyInstance;
  let auth: Auth;
  let url: string;
  before(async () => {
    rig = await createRig();
    await rig.openAccount('alice');
    await rig.place({ betId: 'b1', player: 'alice', stake: '10.00', legs: [{ eventId: 'sr:match:1', marketKey: '1', outcomeId: '1', odds: '2.00' }] });
    await rig.settlement.handleFeed(feed.settled('s1', 'sr:match:1', '1', [outcome('1', true)]));
    app = createHttpServer(silentLogger);
    auth = await registerAuth(app, { secret: 'x'.repeat(32), demoTokens: true });
    registerSettlementRoutes(app, rig.settlement, { requireTrader: auth.requireTrader });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await app.close();
    await rig.close();
  });

  const get = (path: string, token?: string) => app.inject({ method: 'GET', url: path, headers: token ? { authorization: `Bearer ${token}` } : {} });

  test('traders only', async () => {
    assert.equal((await get('/v1/trading/reconcile')).statusCode, 401);
    assert.equal((await get('/v1/trading/reconcile', auth.sign({ sub: 'alice', role: 'player' }))).statusCode, 403);
  });

  test('reports what it checked and every discrepancy, up to the limit', async () => {
    const token = auth.sign({ sub: 'trader', role: 'trader' });
    const clean = (await get('/v1/trading/reconcile', token)).json();
    assert.deepEqual(clean, { ok: true, checked: { players: 1, bets: 1, holds: 1, postings: clean.checked.postings }, total: 0, discrepancies: [] });

    await rig.wallet.hold({ player: 'alice', betId: 'ghost-1', amount: 100n, currency: 'EUR', key: 'hold:ghost-1' });
    await rig.wallet.hold({ player: 'alice', betId: 'ghost-2', amount: 100n, currency: 'EUR', key: 'hold:ghost-2' });
    const dirty = (await get('/v1/trading/reconcile?limit=1', token)).json();
    assert.equal(dirty.ok, false);
    assert.equal(dirty.total, 2);
    assert.deepEqual(dirty.discrepancies.map((d: { kind: string }) => d.kind), ['hold_without_bet']);
    assert.equal((await get('/v1/trading/reconcile?limit=0', token)).statusCode, 400);
    assert.equal((await get('/v1/trading/reconcile?other=1', token)).statusCode, 400);
  });

  test('the command asks the running app with a demo trader token and exits 1 on discrepancies', async () => {
    const result = await run(process.execPath, ['--import', 'tsx', SCRIPT, '--url', url]).then(
      () => assert.fail('expected exit code 1'),
      (error: { code: number; stdout: string }) => error,
    );
    assert.equal(result.code, 1);
    assert.match(result.stdout, /1 players, 1 bets, 3 holds, \d+ postings checked/);
    assert.match(result.stdout, /hold_without_bet\s+player alice, bet ghost-1: a pending hold of 1\.00 has no bet of record/);
  });
});
