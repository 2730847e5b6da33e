import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAppError } from '../../core/errors.ts';
import { InMemoryMarketResultStore } from '../../adapters/market-result-store/in-memory-market-result-store.ts';
import { marketResultStoreContract } from './market-result-store.contract.ts';

marketResultStoreContract('InMemoryMarketResultStore', async () => {
  const store = new InMemoryMarketResultStore();
  return { store, cleanup: () => store.close() };
});

test('InMemoryMarketResultStore refuses calls after close()', async () => {
  const store = new InMemoryMarketResultStore();
  await store.close();
  await assert.rejects(store.get('sr:match:1', '1'), (e) => isAppError(e) && e.code === 'SHUTTING_DOWN');
  assert.equal((await store.health()).ok, false);
});
