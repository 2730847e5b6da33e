import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../app/config.ts';
import { createApp, type App } from '../../app/compose.ts';
import { silentLogger } from '../../core/ports/logger.ts';

let app: App;
before(async () => {
  app = await createApp(loadConfig({}, { services: ['bet-acceptor'], httpPort: 0, demoPlayers: 3, demoBalance: '250.00' }), { logger: silentLogger });
  await app.start();
});
after(() => app?.stop());

test('the embedded app funds its demo players, mints their tokens and takes their bets', async () => {
  const minted = await app.http.inject({ method: 'POST', url: '/v1/dev/tokens', payload: { sub: 'demo-2', role: 'player' } });
  const headers = { authorization: `Bearer ${minted.json().token}` };
  const wallet = await app.http.inject({ method: 'GET', url: '/v1/wallet', headers });
  assert.deepEqual(wallet.json(), { currency: 'EUR', available: '250.00', held: '0.00' });
  const bet = await app.http.inject({
    method: 'POST',
    url: '/v1/bets',
    headers: { ...headers, 'idempotency-key': 'first' },
    payload: { stake: '1.00', legs: [{ eventId: 'sr:match:404', marketId: 1, outcomeId: '1', price: '2.00', priceVersion: { epoch: 'e', seq: 1 } }] },
  });
  assert.equal(bet.statusCode, 422);
  assert.equal(bet.json().error.code, 'EVENT_NOT_FOUND');
  assert.equal((await app.http.inject({ method: 'GET', url: '/v1/openapi.json' })).statusCode, 200);
  const health = await app.http.inject({ method: 'GET', url: '/health' });
  assert.equal(health.json().services['bet-acceptor'].ok, true);
});
