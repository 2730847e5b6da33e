import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { priceBookContract } from './price-book.contract.ts';
import { RedisPriceBook } from '../../adapters/price-book/redis-price-book.ts';
import { isAppError } from '../../core/errors.ts';
import { requireService } from '../support/services.ts';
import { deleteRedisKeys } from '../support/redis-keys.ts';
import { uniqueName } from '../support/wait.ts';

const redis = requireService('redis');

const deleteKeys = deleteRedisKeys;

priceBookContract(
  'RedisPriceBook',
  async () => {
    const keyPrefix = `${uniqueName('pbtest')}:`;
    const book = new RedisPriceBook({ redis: redis.url, keyPrefix });
    const peer = new RedisPriceBook({ redis: redis.url, keyPrefix });
    return {
      book,
      peer,
      cleanup: async () => {
        await Promise.all([book.close(), peer.close()]);
        await deleteKeys(redis.url, keyPrefix);
      },
    };
  },
  { skip: redis.skip },
);

const sample = {
  marketKey: '18/total=2.5',
  marketId: 18,
  specifiers: 'total=2.5',
  state: 'open' as const,
  suspensions: [],
  outcomes: [{ outcomeId: '12', price: '1.90', active: true, version: 3 }],
  producer: 1,
  margin: 0.05,
  version: 3,
};

describe('RedisPriceBook on a real Redis', { skip: redis.skip }, () => {
  test('one hash per event under a hash tag, meta and one field per market; a shared client stays open', async () => {
    const client = new Redis(redis.url);
    const keyPrefix = `${uniqueName('pblayout')}:`;
    const book = new RedisPriceBook({ redis: client, keyPrefix });
    try {
      await book.apply({ eventId: 'sr:match:42', epoch: 'e1', seq: 3, ts: 5, sportId: 'sr:sport:1', markets: [sample] });
      assert.deepEqual(await client.hgetall(`${keyPrefix}pb:{sr:match:42}`), {
        meta: JSON.stringify({ epoch: 'e1', seq: 3, ts: 5, sportId: 'sr:sport:1' }),
        'm:18/total=2.5': JSON.stringify(sample),
      });
      assert.deepEqual(await client.smembers(`${keyPrefix}pb:events`), ['sr:match:42']);
      await book.close();
      assert.equal(await client.ping(), 'PONG', 'close() leaves a client it did not open');
    } finally {
      await deleteKeys(redis.url, keyPrefix);
      await client.quit();
    }
  });

  test('an error reply that is not transient is INTERNAL and not retriable', async () => {
    const keyPrefix = `${uniqueName('pbwrongtype')}:`;
    const client = new Redis(redis.url);
    const book = new RedisPriceBook({ redis: client, keyPrefix });
    try {
      await client.set(`${keyPrefix}pb:{sr:match:7}`, 'not a hash');
      await assert.rejects(
        book.apply({ eventId: 'sr:match:7', epoch: 'e1', seq: 1, ts: 1, markets: [sample] }),
        (e) => isAppError(e) && e.code === 'INTERNAL' && !e.retriable && e.cause instanceof Error,
      );
    } finally {
      await book.close();
      await deleteKeys(redis.url, keyPrefix);
      await client.quit();
    }
  });
});

describe('RedisPriceBook without a reachable Redis', () => {
  async function listen(onConnection: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
    const server = createServer(onConnection);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    assert.ok(address && typeof address === 'object');
    return { server, port: address.port };
  }

  const unavailable = (e: unknown) => isAppError(e) && e.code === 'DEPENDENCY_UNAVAILABLE' && e.retriable && e.cause !== undefined;

  test('a refused connection fails every call with DEPENDENCY_UNAVAILABLE', async () => {
    const { server, port } = await listen(() => {});
    await new Promise((resolve) => server.close(resolve));
    const book = new RedisPriceBook({ redis: `redis://127.0.0.1:${port}`, commandTimeoutMs: 300 });
    await assert.rejects(book.apply({ eventId: 'sr:match:1', epoch: 'e', seq: 1, ts: 1, markets: [] }), unavailable);
    await assert.rejects(book.getMarket('sr:match:1', '1'), unavailable);
    await assert.rejects(book.listEvents(), unavailable);
    await book.close();
  });

  test('a server that drops the connection, or never answers, fails calls within the timeout', async () => {
    const sockets = new Set<Socket>();
    const dropping = await listen((socket) => socket.destroy());
    const silent = await listen((socket) => void sockets.add(socket));
    try {
      for (const port of [dropping.port, silent.port]) {
        const book = new RedisPriceBook({ redis: `redis://127.0.0.1:${port}`, commandTimeoutMs: 300 });
        const started = Date.now();
        await assert.rejects(book.getEvent('sr:match:1'), unavailable);
        assert.ok(Date.now() - started < 3000, `failed within the deadline (${Date.now() - started} ms)`);
        await book.close();
      }
    } finally {
      sockets.forEach((s) => s.destroy());
      await Promise.all([dropping.server, silent.server].map((s) => new Promise((resolve) => s.close(resolve))));
    }
  });
});
