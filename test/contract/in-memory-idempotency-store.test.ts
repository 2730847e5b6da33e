import { idempotencyStoreContract } from './idempotency-store.contract.ts';
import { InMemoryIdempotencyStore } from '../../adapters/idempotency/in-memory-idempotency-store.ts';
import { ManualClock } from '../support/manual-clock.ts';

idempotencyStoreContract('InMemoryIdempotencyStore', async (windows) => {
  const clock = new ManualClock();
  const store = new InMemoryIdempotencyStore({ clock }, windows);
  return { store, peer: store, elapse: async (ms) => clock.advance(ms), cleanup: () => store.close() };
});
