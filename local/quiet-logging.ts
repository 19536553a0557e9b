/**
 * Local runs keep stdout for their own output (replay writes NDJSON there): Powertools' logger is pointed at the
 * global console and the console at stderr, and metrics (EMF lines on stdout) are switched off. Must run before
 * any handler module creates its logger.
 */
export function routeLogsToStderr(level = process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN'): void {
  process.env.POWERTOOLS_DEV = 'true';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.POWERTOOLS_LOG_LEVEL = level;
  const toStderr = (...args: unknown[]) => console.error(...args);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
  console.warn = toStderr;
}
