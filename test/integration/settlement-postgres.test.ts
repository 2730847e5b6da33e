/**
 * Settlement on the ledger of record: the settlement property (test/unit/settlement/) against the
 * PostgreSQL wallet, bet store and market result store, in a schema of its own.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createPostgresBetStore } from '../../adapters/bet-store/postgres-bet-store.ts';
import { createPostgresMarketResultStore } from '../../adapters/market-result-store/postgres-market-result-store.ts';
import { createPostgresWallet } from '../../adapters/wallet/postgres-wallet.ts';
import { requireService } from '../support/services.ts';
import { uniqueName } from '../support/wait.ts';
import { createRig, feed, outcome, type Rig } from '../unit/settlement/rig.ts';
import { checkSettlementProperty } from '../unit/settlement/settlement-property.ts';

const postgres = requireService('postgres');

describe('settlement on PostgreSQL', { skip: postgres.skip }, () => {
  const schema = uniqueName('t_settlement').replaceAll('-', '_');
  let rig: Rig;
  before(async () => {
    rig = await createRig(async (clock) => {
      const options = { url: postgres.url, schema, poolSize: 4 };
      const wallet = await createPostgresWallet({ clock }, options);
      const bets = await createPostgresBetStore({ clock }, options);
      const results = await createPostgresMarketResultStore({ clock }, options);
      return { wallet, bets, results };
    });
  });
  after(async () => {
    await rig.close();
    await Promise.all([rig.wallet.close(), rig.bets.close(), rig.results.close()]);
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  });

  test('any interleaving of duplicate, reordered messages ends where the last effective message says, reconciled', async () => {
    await checkSettlementProperty(rig, { numRuns: 60 });
  });

  test('the market result state survives a new store on the same database', async () => {
    await rig.openAccount('restart-player');
    await rig.place({ betId: 'restart-bet', player: 'restart-player', stake: '10.00', legs: [{ eventId: 'sr:match:77', marketKey: '1', outcomeId: '1', odds: '2.00' }] });
    await rig.settlement.handleFeed(feed.settled('restart-s1', 'sr:match:77', '1', [outcome('1', true), outcome('2', false)]));
    const again = await createPostgresMarketResultStore({ clock: rig.clock }, { url: postgres.url, schema, poolSize: 1 });
    try {
      const state = await again.get('sr:match:77', '1');
      assert.deepEqual([state?.settlement?.messageId, state?.pending, state?.seen], ['restart-s1', false, ['restart-s1']]);
    } finally {
      await again.close();
    }
  });
});
