import { leaderLeaseContract } from './leader-lease.contract.ts';
import { InMemoryLeaderLease } from '../../adapters/leader-lease/in-memory-leader-lease.ts';
import { ManualClock } from '../support/manual-clock.ts';

leaderLeaseContract('InMemoryLeaderLease', async () => {
  const clock = new ManualClock();
  const made: InMemoryLeaderLease[] = [];
  return {
    // One process: its replicas share the one instance.
    make: async () => {
      const lease = new InMemoryLeaderLease({ clock });
      made.push(lease);
      return { lease, peer: lease };
    },
    elapse: async (ms) => clock.advance(ms),
    cleanup: async () => {
      await Promise.all(made.map((lease) => lease.close()));
    },
  };
});
