/**
 * Entry point: `npm start` runs every service embedded; `npm start -- --service=NAME` (repeatable)
 * runs only those. Services start in dependency order and stop in reverse on SIGINT/SIGTERM,
 * finishing work in flight. A second signal exits at once.
 */
import { loadConfig, SERVICE_NAMES, type Config } from './config.ts';
import { createApp } from './compose.ts';
import { isAppError } from '../core/errors.ts';

function servicesFromArgs(argv: readonly string[]): string[] | undefined {
  const names = argv.filter((a) => a.startsWith('--service=')).map((a) => a.slice('--service='.length));
  const unknownFlags = argv.filter((a) => a.startsWith('--') && !a.startsWith('--service='));
  if (unknownFlags.length > 0) {
    console.error(`unknown option ${unknownFlags.join(' ')}; usage: npm start -- [--service=NAME ...] with NAME one of ${SERVICE_NAMES.join(', ')}`);
    process.exit(2);
  }
  return names.length > 0 ? names : undefined;
}

async function main(): Promise<void> {
  let config: Config;
  try {
    const services = servicesFromArgs(process.argv.slice(2));
    config = loadConfig(process.env, services ? { services } : {});
  } catch (error) {
    console.error(isAppError(error) ? error.message : error);
    process.exit(2);
  }

  const app = await createApp(config);
  const { logger } = app;

  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
  process.on('uncaughtException', (error) => {
    logger.error({ err: error }, 'uncaught exception: stopping');
    void app.stop().finally(() => process.exit(1));
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    stopping = true;
    logger.info({ signal }, 'stopping');
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  try {
    await app.start();
  } catch (error) {
    logger.error({ err: error }, 'start failed');
    await app.stop().catch(() => undefined);
    process.exit(1);
  }
}

await main();
