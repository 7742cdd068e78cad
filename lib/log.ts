import { type Logger, pino } from 'pino';

/**
 * The process-wide pino logger. Level from SLIPWAY_LOG_LEVEL (default `info`; `silent` in tests
 * unless set). Logs go to stderr so CLI output on stdout stays clean. Modules take a child:
 * `log.child({ module: 'oci/pull' })`.
 */
export const log: Logger = pino(
  {
    level: process.env.SLIPWAY_LOG_LEVEL ?? (process.env.NODE_TEST_CONTEXT ? 'silent' : 'info'),
    base: { pid: process.pid },
  },
  pino.destination(2),
);

export type { Logger };
