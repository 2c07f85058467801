/**
 * The shape of the one app store, slice by slice. Each slice file builds its part against the whole
 * (`SliceCreator`), so a slice may read or call another slice through `get()` without importing it.
 */
import type { StateCreator } from 'zustand';
import type { ApiEvent } from '../../../core/api/contract';
import type { ApiError } from '../../../core/api/define';
import type { Alert, Settings, Status } from '../../../core/api/system';
import type { Sample } from '../series';
import type { MiningView, WalletView } from '../shapes';
import type { Route } from './routes';

export type LogRecord = Extract<ApiEvent, { type: 'log' }>['record'];

/** where the user is and what the app-wide surfaces show */
export interface SessionSlice {
  route: Route;
  connection: 'connecting' | 'online' | 'offline';
  /** the one app-wide error surface; field errors stay next to their fields */
  error: ApiError | null;
  /** alerts the user has dismissed from the banner (they stay on the Logs page) */
  dismissedAlerts: string[];
  dismissAlert(id: string): void;
  /** a page asking to go elsewhere (asks first when the current page has unsaved edits) */
  navigate(route: Route): void;
  /** the address bar changed (back/forward, a typed #/page): already confirmed by the caller */
  routeChanged(route: Route): void;
  showError(error: unknown): void;
  clearError(): void;
  /** what the last call to the engine says about the connection: an `offline` error marks it lost, anything else found */
  noteConnection(error: ApiError | undefined): void;
}

/** what the engine said last about itself: status, settings, alerts */
export interface EngineSlice {
  status: Status | null;
  settings: Settings | null;
  alerts: Alert[];
  /** the initial fetch; events keep it current after that */
  load(): Promise<void>;
  saveSettings(patch: Partial<Settings>): Promise<Settings>;
}

/** the live event stream */
export interface StreamSlice {
  logs: LogRecord[];
  /** every event other than logs, newest last (the last MAX_EVENTS): the live share -> quote -> proof stream reads it */
  events: ApiEvent[];
  /** how many events arrived since the page opened; `eventsSince` finds the ones after a moment */
  eventCount: number;
  receive(event: ApiEvent): void;
}

/** mining and wallet state, fetched at start, after the events that change them and once a second for the hashrate chart */
export interface LiveSlice {
  mining: MiningView | undefined;
  miningError: ApiError | undefined;
  wallet: WalletView | undefined;
  walletError: ApiError | undefined;
  hashrate: Sample[];
  refresh(): Promise<void>;
}

export type AppState = SessionSlice & EngineSlice & StreamSlice & LiveSlice;

export type SliceCreator<Slice> = StateCreator<AppState, [], [], Slice>;
