import kafkajs from 'kafkajs';
import type { logCreator } from 'kafkajs';
import type { Logger } from '../../core/ports/logger.ts';

/** The level kafkajs is asked to log at: its warnings and errors reach our log, nothing chattier. */
export const KAFKAJS_LOG_LEVEL = kafkajs.logLevel.WARN;

/** Routes kafkajs' own log lines to the Logger port, with kafkajs' namespace as a field. */
export function kafkaLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      // kafkajs adds its own timestamp and name to every entry; our logger has both already.
      const line: Record<string, unknown> = { kafkajs: namespace, ...log };
      delete line.message;
      delete line.timestamp;
      delete line.logger;
      const message = String(log.message);
      if (level === kafkajs.logLevel.ERROR) logger.error(line, message);
      else if (level === kafkajs.logLevel.WARN) logger.warn(line, message);
      else logger.debug(line, message);
    };
}
