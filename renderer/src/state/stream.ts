import type { ApiEvent } from '../../../core/api/contract';
import { notifyAlert } from '../notifications';
import type { AppState, LogRecord, SliceCreator, StreamSlice } from './shape';

const MAX_LOGS = 2000;
const MAX_EVENTS = 500;
const MAX_ALERTS = 200;
/**
 * A farm sends many share and log events a second: they reach the state in batches, a few times a second,
 * so pages re-render per batch and not per event.
 */
const FLUSH_MS = 200;

export const createStreamSlice: SliceCreator<StreamSlice> = (set, get) => {
  // the batch waiting for its flush belongs to this store, but is not state: nothing renders from it
  let pendingEvents: ApiEvent[] = [];
  let pendingLogs: LogRecord[] = [];
  let flushTimer: ReturnType<typeof setTimeout> | undefined;

  const flush = () => {
    flushTimer = undefined;
    const events = pendingEvents;
    const logs = pendingLogs;
    pendingEvents = [];
    pendingLogs = [];
    set((s) => ({
      ...(events.length ? { events: [...s.events, ...events].slice(-MAX_EVENTS), eventCount: s.eventCount + events.length } : {}),
      ...(logs.length ? { logs: [...s.logs, ...logs].slice(-MAX_LOGS) } : {}),
    }));
  };
  const scheduleFlush = () => {
    flushTimer ??= setTimeout(flush, FLUSH_MS);
  };

  return {
    logs: [],
    events: [],
    eventCount: 0,
    receive(event) {
      switch (event.type) {
        case 'log':
          pendingLogs.push(event.record);
          scheduleFlush();
          return;
        case 'settings':
          set({ settings: event.settings });
          return;
        case 'alert':
          // a cleared alert comes again with the same id: it replaces the earlier copy
          set((s) => ({ alerts: [...s.alerts.filter((a) => a.id !== event.alert.id).slice(-(MAX_ALERTS - 1)), event.alert] }));
          if (!event.alert.clearedAt) notifyAlert(event.alert, get().settings);
          break;
        case 'wallet.balance':
        case 'wallet.status':
          void get().refresh();
          break;
      }
      pendingEvents.push(event);
      scheduleFlush();
    },
  };
};

/** The events that arrived after `count` was read from eventCount (as many of them as are still kept). */
export function eventsSince(state: Pick<AppState, 'events' | 'eventCount'>, count: number): ApiEvent[] {
  const newer = state.eventCount - count;
  return newer <= 0 ? [] : state.events.slice(-Math.min(newer, state.events.length));
}
