import { betStoreContract } from './bet-store.contract.ts';
import { InMemoryBetStore } from '../../adapters/bet-store/in-memory-bet-store.ts';
import { ManualClock } from '../support/manual-clock.ts';

betStoreContract('InMemoryBetStore', async () => {
  const clock = new ManualClock();
  const store = new InMemoryBetStore({ clock });
  return { store, clock, cleanup: () => store.close() };
});
