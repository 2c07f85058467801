/** App-wide state: what the engine said last (status, settings, alerts, logs, the live event stream) and where the user is. */
import { create } from 'zustand';
import type { ApiEvent } from '../../core/api/contract';
import type { ApiError } from '../../core/api/define';
import type { Alert, Settings, Status } from '../../core/api/system';
import { asApiError, call } from './api';
import { confirmLeave } from './leave-guard';
import { useLive } from './live';
import { notifyAlert } from './notifications';

export type LogRecord = Extract<ApiEvent, { type: 'log' }>['record'];

export const pages = ['dashboard', 'devices', 'wallet', 'backup', 'settings', 'integrations', 'logs'] as const;
export type Page = (typeof pages)[number];
/** first run (create/restore a wallet) and the setup wizard are routes outside the navigation */
export type Route = Page | 'welcome' | 'setup';

export const pageTitles: Record<Route, string> = {
  dashboard: 'Dashboard',
  devices: 'Devices',
  wallet: 'Wallet',
  backup: 'Backup',
  settings: 'Settings',
  integrations: 'Integrations',
  logs: 'Logs',
  welcome: 'Welcome',
  setup: 'Set up a Bitaxe',
};

const MAX_LOGS = 2000;
const MAX_EVENTS = 500;

export function routeFromHash(hash: string): Route {
  const name = hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? '';
  return (name in pageTitles ? name : 'dashboard') as Route;
}

interface AppState {
  route: Route;
  connection: 'connecting' | 'online' | 'offline';
  status: Status | null;
  settings: Settings | null;
  alerts: Alert[];
  logs: LogRecord[];
  /** every event other than logs, newest last (the last MAX_EVENTS): the live share -> quote -> proof stream reads it */
  events: ApiEvent[];
  /** how many events arrived since the page opened; `eventsSince` finds the ones after a moment */
  eventCount: number;
  /** the one app-wide error surface; field errors stay next to their fields */
  error: ApiError | null;
  /** alerts the user has dismissed from the banner (they stay on the Logs page) */
  dismissedAlerts: string[];
  dismissAlert(id: string): void;
  navigate(route: Route): void;
  showError(error: unknown): void;
  clearError(): void;
  load(): Promise<void>;
  receive(event: ApiEvent): void;
  saveSettings(patch: Partial<Settings>): Promise<Settings>;
}

/**
 * A farm sends many share and log events a second: they reach the state in batches, a few times a second,
 * so pages re-render per batch and not per event.
 */
const FLUSH_MS = 200;
let pendingEvents: ApiEvent[] = [];
let pendingLogs: LogRecord[] = [];
let flushTimer: ReturnType<typeof setTimeout> | undefined;

function scheduleFlush(): void {
  flushTimer ??= setTimeout(() => {
    flushTimer = undefined;
    const events = pendingEvents;
    const logs = pendingLogs;
    pendingEvents = [];
    pendingLogs = [];
    useApp.setState((s) => ({
      ...(events.length ? { events: [...s.events, ...events].slice(-MAX_EVENTS), eventCount: s.eventCount + events.length } : {}),
      ...(logs.length ? { logs: [...s.logs, ...logs].slice(-MAX_LOGS) } : {}),
    }));
  }, FLUSH_MS);
}

export const useApp = create<AppState>((set, get) => ({
  route: routeFromHash(window.location.hash),
  connection: 'connecting',
  status: null,
  settings: null,
  alerts: [],
  logs: [],
  events: [],
  eventCount: 0,
  error: null,
  dismissedAlerts: [],
  dismissAlert(id) {
    set((s) => ({ dismissedAlerts: [...s.dismissedAlerts, id] }));
  },
  navigate(route) {
    if (route !== get().route && !confirmLeave()) return;
    if (window.location.hash !== `#/${route}`) window.location.hash = `#/${route}`;
    set({ route });
  },
  showError(error) {
    set({ error: asApiError(error) });
  },
  clearError() {
    set({ error: null });
  },
  async load() {
    try {
      const [status, settings, alerts, logs] = await Promise.all([
        call('status.get', {}),
        call('settings.get', {}),
        call('alerts.recent', {}),
        call('logs.recent', { limit: 500 }),
      ]);
      set({ status, settings, alerts: alerts.alerts, logs: logs.records, connection: 'online' });
    } catch (error) {
      set({ connection: 'offline', error: asApiError(error) });
    }
  },
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
        set((s) => ({ alerts: [...s.alerts.filter((a) => a.id !== event.alert.id).slice(-199), event.alert] }));
        if (!event.alert.clearedAt) notifyAlert(event.alert, get().settings);
        break;
      case 'wallet.balance':
      case 'wallet.status':
        void useLive.getState().refresh();
        break;
    }
    pendingEvents.push(event);
    scheduleFlush();
  },
  async saveSettings(patch) {
    const settings = await call('settings.update', patch);
    set({ settings });
    return settings;
  },
}));

/** The events that arrived after `count` was read from eventCount (as many of them as are still kept). */
export function eventsSince(state: Pick<AppState, 'events' | 'eventCount'>, count: number): ApiEvent[] {
  const newer = state.eventCount - count;
  return newer <= 0 ? [] : state.events.slice(-Math.min(newer, state.events.length));
}
