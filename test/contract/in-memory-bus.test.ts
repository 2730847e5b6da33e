import { busContract } from './bus.contract.ts';
import { InMemoryBus } from '../../adapters/bus/in-memory-bus.ts';

busContract('InMemoryBus', async () => {
  const bus = new InMemoryBus({ partitions: 4 });
  return { bus, peer: bus, createTopics: async () => {}, cleanup: () => bus.close() };
});
