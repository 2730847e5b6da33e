import { pino, type Logger as Pino } from 'pino';
import type { Logger } from '../../core/ports/logger.ts';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** JSON lines on stdout (pino); `pretty` is left to the reader's pipe (`| npx pino-pretty`). */
export function createPinoLogger(options: { level: LogLevel; bindings?: Record<string, unknown> }): Logger {
  return wrap(pino({ level: options.level, base: { ...options.bindings }, timestamp: pino.stdTimeFunctions.isoTime }));
}

function wrap(p: Pino): Logger {
  return {
    debug: (fields, msg) => p.debug(fields, msg),
    info: (fields, msg) => p.info(fields, msg),
    warn: (fields, msg) => p.warn(fields, msg),
    error: (fields, msg) => p.error(fields, msg),
    child: (bindings) => wrap(p.child(bindings)),
  };
}
