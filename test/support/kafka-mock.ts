/**
 * Kafka for tests: the settings every test bus uses, and a private librdkafka mock cluster for
 * fault tests, started from the binary the test command builds (scripts/services/kmock.c) and
 * driven through its standard input.
 *
 *   const mock = kafkaMockBinary();
 *   describe('faults', { skip: mock.skip }, () => {
 *     const cluster = await startKafkaMock(mock.bin, ['orders:4']);
 *     await cluster.command('down 1');
 *     ...
 *     await cluster.stop();
 *   });
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { requireService } from './services.ts';

/**
 * Consumer timings for the mock cluster (DESIGN.md §6): with kafkajs' defaults every rebalance
 * there takes about 29 s.
 */
export const TEST_KAFKA_TIMINGS = {
  sessionTimeout: 3000,
  heartbeatInterval: 500,
  rebalanceTimeout: 3000,
  maxWaitTimeInMs: 250,
} as const;

export interface KafkaMockCluster {
  /** Bootstrap brokers, `host:port` (broker ids 1, 2, 3 in this order). */
  readonly brokers: readonly string[];
  /** Sends one fault command (`down 1`, `leader t 0 2`, `errors 0 6`, ...) and waits for its `ok`. */
  command(line: string): Promise<void>;
  /** Ends the cluster (closing its input ends it) and waits for the process to exit. */
  stop(): Promise<void>;
}

/** The mock cluster's binary from the test command's environment, or why the suite is skipped. */
export function kafkaMockBinary(): { bin: string; skip: string | false } {
  const kafka = requireService('kafka');
  if (kafka.skip) return { bin: '', skip: kafka.skip };
  const bin = process.env.TEST_KAFKA_MOCK_BIN?.trim() ?? '';
  if (bin !== '') return { bin, skip: false };
  const reason = 'TEST_KAFKA_MOCK_BIN is not set (npm test sets it with TEST_KAFKA_BROKERS)';
  if (process.env.CI === 'true') throw new Error(`${reason}; in CI a missing service is a failure`);
  return { bin: '', skip: reason };
}

/** Starts a private cluster; `args` are kmock's (`--brokers N`, `topic:partitions`, ...). */
export async function startKafkaMock(bin: string, args: readonly string[] = [], { timeoutMs = 10_000 } = {}): Promise<KafkaMockCluster> {
  const child = spawn(bin, [...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Writing to a cluster that has exited fails its pending commands through `exited` below.
  child.stdin.on('error', () => undefined);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));

  const replies: Array<{ resolve: (line: string) => void; reject: (e: Error) => void }> = [];
  let onBrokers: ((line: string) => void) | undefined;
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    if (onBrokers) {
      onBrokers(line);
      onBrokers = undefined;
    } else {
      replies.shift()?.resolve(line);
    }
  });
  const failAll = (why: string): void => {
    for (const waiter of replies.splice(0)) waiter.reject(new Error(`${why}: ${stderr.trim()}`));
  };
  void exited.then(() => failAll('kmock exited'));

  const brokersLine = await new Promise<string>((resolve, reject) => {
    let started = false;
    const fail = (error: Error): void => {
      if (started) return;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const timer = setTimeout(() => fail(new Error(`kmock printed no brokers within ${timeoutMs} ms: ${stderr.trim()}`)), timeoutMs);
    onBrokers = (line) => {
      started = true;
      clearTimeout(timer);
      resolve(line);
    };
    child.once('error', fail);
    void exited.then(() => fail(new Error(`kmock exited during start: ${stderr.trim()}`)));
  });

  let stopping: Promise<void> | undefined;
  return {
    brokers: brokersLine.trim().split(','),
    command: (line) =>
      new Promise<void>((resolve, reject) => {
        replies.push({
          resolve: (reply) => (reply === 'ok' ? resolve() : reject(new Error(`kmock: ${line}: ${reply}`))),
          reject,
        });
        child.stdin.write(`${line}\n`);
      }),
    stop: () => {
      stopping ??= (async () => {
        child.stdin.end();
        // A cluster that does not exit on the end of its input is stopped by signal.
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
        lines.close();
      })();
      return stopping;
    },
  };
}
