import { busContract } from './bus.contract.ts';
import { KafkaBus } from '../../adapters/bus/kafka-bus.ts';
import { SystemClock } from '../../adapters/clock/system-clock.ts';
import { silentLogger } from '../../core/ports/logger.ts';
import { TEST_KAFKA_TIMINGS } from '../support/kafka-mock.ts';
import { requireService } from '../support/services.ts';

const kafka = requireService('kafka');

function newBus(clientId: string): KafkaBus {
  return new KafkaBus({ logger: silentLogger, clock: new SystemClock() }, { brokers: kafka.url.split(','), clientId, ...TEST_KAFKA_TIMINGS });
}

busContract(
  'KafkaBus',
  async () => {
    const bus = newBus('contract-bus');
    // Another process's view of the same cluster: its own connections, producer and consumers.
    const peer = newBus('contract-peer');
    return {
      bus,
      peer,
      createTopics: (topics) => bus.ensureTopics(topics),
      cleanup: async () => {
        await Promise.all([bus.close(), peer.close()]);
      },
    };
  },
  { timeoutMs: 30_000, skip: kafka.skip },
);
