import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHttpServer } from '../../../app/http.ts';
import { registerAuth } from '../../../app/auth.ts';
import { silentLogger } from '../../../core/ports/logger.ts';

async function rig() {
  const app = createHttpServer(silentLogger);
  const auth = await registerAuth(app, { secret: 's'.repeat(32), demoTokens: false });
  app.get('/trader', { onRequest: auth.requireTrader }, async (request) => ({ sub: request.user.sub }));
  return { app, auth };
}

test('a token verifies the same way every time it is presented (cached or not)', async () => {
  const { app, auth } = await rig();
  const token = auth.sign({ sub: 'tina', role: 'trader' });
  for (let i = 0; i < 3; i++) {
    const res = await app.inject({ method: 'GET', url: '/trader', headers: { authorization: `Bearer ${token}` } });
    assert.deepEqual([res.statusCode, res.json().sub], [200, 'tina']);
    assert.equal(auth.verify(token)?.sub, 'tina');
  }
  await app.close();
});

test('a forged, tampered or wrong-role token is refused even after a good one was cached', async () => {
  const { app, auth } = await rig();
  const good = auth.sign({ sub: 'tina', role: 'trader' });
  await app.inject({ method: 'GET', url: '/trader', headers: { authorization: `Bearer ${good}` } });
  const [h, p, sig] = good.split('.');
  const forged = `${h}.${Buffer.from(JSON.stringify({ sub: 'mallory', role: 'trader' })).toString('base64url')}.${sig}`;
  const cases: Array<[string, number, string]> = [
    [forged, 401, 'UNAUTHORIZED'],
    [`${h}.${p}.${sig}x`, 401, 'UNAUTHORIZED'],
    [auth.sign({ sub: 'pat', role: 'player' }), 403, 'FORBIDDEN'],
  ];
  for (const [token, status, code] of cases) {
    const res = await app.inject({ method: 'GET', url: '/trader', headers: { authorization: `Bearer ${token}` } });
    assert.deepEqual([res.statusCode, res.json().error.code], [status, code]);
  }
  assert.equal(auth.verify(forged), undefined);
  assert.equal((await app.inject({ method: 'GET', url: '/trader' })).statusCode, 401);
  await app.close();
});
