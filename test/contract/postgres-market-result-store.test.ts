import pg from 'pg';
import { createPostgresMarketResultStore } from '../../adapters/market-result-store/postgres-market-result-store.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { requireService } from '../support/services.ts';
import { uniqueName } from '../support/wait.ts';
import { marketResultStoreContract } from './market-result-store.contract.ts';

const postgres = requireService('postgres');

marketResultStoreContract(
  'PostgresMarketResultStore',
  async () => {
    const schema = uniqueName('t_results').replaceAll('-', '_');
    const store = await createPostgresMarketResultStore({ clock: new ManualClock() }, { url: postgres.url, schema });
    return {
      store,
      cleanup: async () => {
        await store.close();
        const client = new pg.Client({ connectionString: postgres.url });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.end();
      },
    };
  },
  { skip: postgres.skip },
);
