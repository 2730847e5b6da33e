import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { betStoreContract } from './bet-store.contract.ts';
import { createPostgresBetStore } from '../../adapters/bet-store/postgres-bet-store.ts';
import { eventId } from '../../core/ids.ts';
import { isAppError } from '../../core/errors.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { requireService } from '../support/services.ts';
import { dropSchema as dropSchemaAt, freshSchema as newSchema, sql as runSql } from '../support/postgres-schemas.ts';

const postgres = requireService('postgres');

const freshSchema = () => newSchema('t_bets');
const sql = (text: string) => runSql(postgres.url, text);
const dropSchema = (schema: string) => dropSchemaAt(postgres.url, schema);

betStoreContract(
  'PostgresBetStore',
  async () => {
    const schema = freshSchema();
    const clock = new ManualClock();
    const store = await createPostgresBetStore({ clock }, { url: postgres.url, schema });
    return {
      store,
      clock,
      cleanup: async () => {
        await store.close();
        await dropSchema(schema);
      },
    };
  },
  { skip: postgres.skip },
);

describe('PostgresBetStore on a real PostgreSQL', { skip: postgres.skip }, () => {
  const schemas: string[] = [];
  after(async () => {
    for (const schema of schemas) await dropSchema(schema);
  });

  test('the database itself refuses to rewrite status history', async () => {
    const schema = freshSchema();
    schemas.push(schema);
    const store = await createPostgresBetStore({ clock: new ManualClock() }, { url: postgres.url, schema });
    await store.insert({
      betId: 'b1',
      player: 'p1',
      stake: 100n,
      currency: 'EUR',
      legs: [{ eventId: eventId('sr:match:1'), marketKey: '1', outcomeId: '1', odds: '2.00', priceVersion: { epoch: 'e', seq: 1 } }],
      placedAt: 0,
    });
    await assert.rejects(sql(`UPDATE "${schema}".bet_status_history SET reason = 'operator'`), /append-only/);
    await assert.rejects(sql(`DELETE FROM "${schema}".bet_status_history`), /append-only/);
    await store.close();
  });

  test('two processes inserting the same bet store it once', async () => {
    const schema = freshSchema();
    schemas.push(schema);
    const [a, b] = await Promise.all([
      createPostgresBetStore({ clock: new ManualClock() }, { url: postgres.url, schema, poolSize: 4 }),
      createPostgresBetStore({ clock: new ManualClock() }, { url: postgres.url, schema, poolSize: 4 }),
    ]);
    const bet = {
      betId: 'b2',
      player: 'p1',
      stake: 100n,
      currency: 'EUR',
      legs: [{ eventId: eventId('sr:match:2'), marketKey: '1', outcomeId: '2', odds: '3.40', priceVersion: { epoch: 'e', seq: 3 } }],
      placedAt: 0,
    } as const;
    const results = await Promise.all([a, b, a, b].map((s) => s.insert(bet)));
    assert.equal(results.filter((r) => !r.existing).length, 1);
    const { rows } = await sql(`SELECT count(*)::int AS n FROM "${schema}".bet_legs WHERE bet_id = 'b2'`);
    assert.equal(rows[0].n, 1);
    await Promise.all([a.close(), b.close()]);
  });
});

describe('PostgresBetStore without a server', () => {
  test('an unreachable server is DEPENDENCY_UNAVAILABLE, retriable', async () => {
    await assert.rejects(
      createPostgresBetStore({ clock: new ManualClock() }, { url: 'postgres://postgres@127.0.0.1:1/test', connectTimeoutMs: 1000 }),
      (e) => isAppError(e) && e.code === 'DEPENDENCY_UNAVAILABLE' && e.retriable,
    );
  });
});
