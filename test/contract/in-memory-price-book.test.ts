import { test } from 'node:test';
import assert from 'node:assert/strict';
import { priceBookContract } from './price-book.contract.ts';
import { InMemoryPriceBook } from '../../adapters/price-book/in-memory-price-book.ts';

priceBookContract('InMemoryPriceBook', async () => {
  const book = new InMemoryPriceBook();
  return { book, peer: book, cleanup: () => book.close() };
});

test('InMemoryPriceBook hands out frozen values, the same snapshot until the next change', async () => {
  const book = new InMemoryPriceBook();
  const market = {
    marketKey: '1',
    marketId: 1,
    specifiers: '',
    state: 'open' as const,
    suspensions: [],
    outcomes: [{ outcomeId: '1', price: '2.00', active: true, version: 1 }],
    producer: 1,
    margin: 0.05,
    version: 1,
  };
  await book.apply({ eventId: 'sr:match:1', epoch: 'e', seq: 1, ts: 1, markets: [market] });
  const first = await book.getEvent('sr:match:1');
  assert.ok(first && Object.isFrozen(first) && Object.isFrozen(first.markets));
  assert.ok(Object.isFrozen(first.markets[0]!.outcomes[0]));
  assert.equal(await book.getEvent('sr:match:1'), first, 'no copy per read');
  assert.equal((await book.getMarket('sr:match:1', '1'))?.market, first.markets[0]);
  await book.apply({ eventId: 'sr:match:1', epoch: 'e', seq: 2, ts: 2, markets: [] });
  const second = await book.getEvent('sr:match:1');
  assert.notEqual(second, first);
  assert.equal(second?.markets[0], first.markets[0], 'an untouched market is shared, not copied');
  assert.equal(first.seq, 1, 'a snapshot already handed out does not change');
  await book.close();
});
