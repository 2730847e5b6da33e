import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { walletContract } from './wallet.contract.ts';
import { createPostgresWallet } from '../../adapters/wallet/postgres-wallet.ts';
import { PostgresDatabase } from '../../adapters/postgres/database.ts';
import { migrate } from '../../adapters/postgres/migrations.ts';
import { MIGRATIONS } from '../../adapters/postgres/schema.ts';
import { isAppError } from '../../core/errors.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { requireService } from '../support/services.ts';
import { dropSchema as dropSchemaAt, freshSchema as newSchema, sql as runSql } from '../support/postgres-schemas.ts';
import { startTcpProxy } from '../support/tcp-proxy.ts';

const postgres = requireService('postgres');

const freshSchema = () => newSchema('t_wallet');
const sql = (text: string) => runSql(postgres.url, text);
const dropSchema = (schema: string) => dropSchemaAt(postgres.url, schema);

walletContract(
  'PostgresWallet',
  async () => {
    const schema = freshSchema();
    const clock = new ManualClock();
    const wallet = await createPostgresWallet({ clock }, { url: postgres.url, schema });
    return {
      wallet,
      clock,
      cleanup: async () => {
        await wallet.close();
        await dropSchema(schema);
      },
    };
  },
  { skip: postgres.skip },
);

describe('PostgresWallet on a real PostgreSQL', { skip: postgres.skip }, () => {
  const schemas: string[] = [];
  after(async () => {
    for (const schema of schemas) await dropSchema(schema);
  });

  test('migrations run once, are recorded, and concurrent start-ups agree', async () => {
    const schema = freshSchema();
    schemas.push(schema);
    const wallets = await Promise.all(
      Array.from({ length: 4 }, () => createPostgresWallet({ clock: new ManualClock() }, { url: postgres.url, schema, poolSize: 2 })),
    );
    const { rows } = await sql(`SELECT version, name FROM "${schema}".schema_migrations ORDER BY version`);
    assert.deepEqual(
      rows.map((r) => r.version),
      MIGRATIONS.map((m) => m.version),
    );
    const db = new PostgresDatabase({ url: postgres.url, schema });
    assert.deepEqual(await migrate(db, MIGRATIONS), { applied: [], current: MIGRATIONS.length });
    await db.close();
    await Promise.all(wallets.map((w) => w.close()));
  });

  test('a migration edited after it was applied stops the start-up', async () => {
    const schema = freshSchema();
    schemas.push(schema);
    const db = new PostgresDatabase({ url: postgres.url, schema });
    await migrate(db, MIGRATIONS);
    const edited = MIGRATIONS.map((m, i) => (i === 0 ? { ...m, sql: (t: (n: string) => string) => `${m.sql(t)} SELECT 1;` } : m));
    await assert.rejects(migrate(db, edited), (e) => isAppError(e) && e.code === 'CONFIG_INVALID');
    await db.close();
  });

  test('the database itself refuses to change or delete postings', async () => {
    const schema = freshSchema();
    schemas.push(schema);
    const wallet = await createPostgresWallet({ clock: new ManualClock() }, { url: postgres.url, schema });
    await wallet.openAccount({ player: 'p1', currency: 'EUR' });
    await wallet.deposit({ player: 'p1', amount: 100n, currency: 'EUR', key: 'd1' });
    await assert.rejects(sql(`UPDATE "${schema}".wallet_postings SET amount = amount * 2`), /append-only/);
    await assert.rejects(sql(`DELETE FROM "${schema}".wallet_postings`), /append-only/);
    await assert.rejects(sql(`TRUNCATE "${schema}".wallet_postings`), /append-only/);
    const { rows } = await sql(`SELECT count(*)::int AS n FROM "${schema}".wallet_postings`);
    assert.equal(rows[0].n, 2);
    await wallet.close();
  });

  test('a connection lost mid-call is DEPENDENCY_UNAVAILABLE, and a retry with the same key holds once', async () => {
    const schema = freshSchema();
    schemas.push(schema);
    const target = new URL(postgres.url);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const viaProxy = new URL(postgres.url);
    viaProxy.port = String(proxy.port);
    const wallet = await createPostgresWallet({ clock: new ManualClock() }, { url: viaProxy.toString(), schema, poolSize: 2 });
    try {
      await wallet.openAccount({ player: 'p1', currency: 'EUR' });
      await wallet.deposit({ player: 'p1', amount: 1_000n, currency: 'EUR', key: 'd1' });
      const request = { player: 'p1', betId: 'b1', amount: 400n, currency: 'EUR', key: 'hold:b1' } as const;
      // Whether the server committed before the reset or not, the retry must end with one hold.
      proxy.setDelay(20);
      const lost = wallet.hold(request);
      setTimeout(() => proxy.reset(), 30);
      await assert.rejects(lost, (e) => isAppError(e) && e.code === 'DEPENDENCY_UNAVAILABLE' && e.retriable);
      proxy.setDelay(0);
      const retried = await wallet.hold(request);
      assert.equal(retried.status, 'held');
      assert.deepEqual(await wallet.balance('p1'), { player: 'p1', currency: 'EUR', available: 600n, held: 400n });
      assert.equal((await wallet.postings({ betId: 'b1', limit: 10 })).length, 2);
    } finally {
      await wallet.close();
      await proxy.close();
    }
  });
});

describe('PostgresWallet without a server', () => {
  test('an unreachable server is DEPENDENCY_UNAVAILABLE, retriable', async () => {
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    await assert.rejects(
      createPostgresWallet({ clock: new ManualClock() }, { url: 'postgres://postgres@127.0.0.1:1/test', connectTimeoutMs: 1000 }),
      (e) => isAppError(e) && e.code === 'DEPENDENCY_UNAVAILABLE' && e.retriable,
    );
  });

  test('a schema name that is not a plain identifier is refused', () => {
    assert.throws(
      () => new PostgresDatabase({ url: 'postgres://127.0.0.1:1/x', schema: 'x"; DROP TABLE y; --' }),
      (e) => isAppError(e) && e.code === 'CONFIG_INVALID',
    );
  });
});
