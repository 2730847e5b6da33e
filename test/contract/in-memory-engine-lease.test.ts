import { engineLeaseContract } from './engine-lease.contract.ts';
import { InMemoryEngineLease } from '../../adapters/engine-lease/in-memory-engine-lease.ts';
import { ManualClock } from '../support/manual-clock.ts';

engineLeaseContract('InMemoryEngineLease', async () => {
  const clock = new ManualClock();
  const made: InMemoryEngineLease[] = [];
  return {
    // One process: the engine and its readers share the one instance.
    make: async () => {
      const lease = new InMemoryEngineLease({ clock });
      made.push(lease);
      return { lease, peer: lease };
    },
    elapse: async (ms) => clock.advance(ms),
    cleanup: async () => {
      await Promise.all(made.map((lease) => lease.close()));
    },
  };
});
