/** The engine's log (ring for the Logs page, file, stderr, the API's `log` event) and its services' stop order. */
import { join } from 'node:path';
import type { ApiHost } from '../api/host';
import { createLogger, fileSink, type Logger, LogRing, type LogSink, stderrSink } from '../../lib/log';

export interface EngineLogOptions {
  home: string;
  host: ApiHost;
  toStderr: boolean;
  extraSinks?: LogSink[];
}

export function engineLog(opts: EngineLogOptions): { logger: Logger; ring: LogRing } {
  const ring = new LogRing();
  const sinks: LogSink[] = [ring.sink, fileSink(join(opts.home, 'axewallet.log')), ...(opts.extraSinks ?? [])];
  if (opts.toStderr) sinks.push(stderrSink());
  sinks.push((record) => {
    if (record.level !== 'debug') opts.host.emit({ type: 'log', record });
  });
  return { logger: createLogger(sinks), ring };
}

/** Services stop in the reverse order they started; one that fails to stop does not keep the others running. */
export class StopList {
  private readonly stops: Array<() => Promise<void> | void> = [];
  private stopping: Promise<void> | undefined;

  constructor(private readonly logger: Logger) {}

  push(...stops: Array<() => Promise<void> | void>): void {
    this.stops.push(...stops);
  }

  stopAll(): Promise<void> {
    this.stopping ??= (async () => {
      this.logger.info('stopping');
      for (const stop of this.stops.splice(0).reverse()) {
        try {
          await stop();
        } catch (error) {
          this.logger.warn('a service failed to stop cleanly', { error: (error as Error).message });
        }
      }
    })();
    return this.stopping;
  }
}
