/**
 * The renderer's only way out: the bridge from core/api. Electron's preload puts window.axewallet there;
 * otherwise the page came from the headless server and talks HTTP to its own origin with the token.
 */
import { type ApiBridge, createHttpBridge, createIpcBridge, type PreloadApi } from '../../core/api/bridge';
import type { CommandInput, CommandName, CommandOutput } from '../../core/api/contract';
import { ApiError } from '../../core/api/define';

const TOKEN_KEY = 'axewallet.token';

declare global {
  interface Window {
    axewallet?: PreloadApi;
  }
}

/**
 * The token arrives once in `?token=` and is taken out of the address bar. It is kept in localStorage,
 * which belongs to this origin alone (scheme, host and port): other tabs of Axewallet use it, another
 * local service on another port cannot read it, and no request carries it unasked, as a cookie would.
 */
export function takeToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    localStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', `${url.pathname}${url.search}${url.hash}`);
    return fromUrl;
  }
  return localStorage.getItem(TOKEN_KEY);
}

export function connectBridge(): ApiBridge {
  if (window.axewallet) return createIpcBridge(window.axewallet);
  const token = takeToken();
  if (!token) {
    throw new ApiError('unauthorized', 'This page was opened without its access token.', 'Open Axewallet with the full URL printed when it started (it ends with ?token=…).');
  }
  // a newer token (Axewallet restarted, its URL opened in another tab) is picked up at the next call
  return createHttpBridge({ baseUrl: window.location.origin, token: () => localStorage.getItem(TOKEN_KEY) ?? token });
}

let bridge: ApiBridge | undefined;

export function setBridge(next: ApiBridge): void {
  bridge = next;
}

export function getBridge(): ApiBridge {
  if (!bridge) throw new ApiError('unavailable', 'Not connected to Axewallet.', 'Reload the page.');
  return bridge;
}

export function call<N extends CommandName>(name: N, input: CommandInput<N>): Promise<CommandOutput<N>> {
  return getBridge().call(name, input);
}

export function isNotAvailable(error: unknown): boolean {
  return error instanceof ApiError && (error.code === 'not_found' || error.code === 'unavailable' || error.code === 'offline');
}

export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError('internal', (error as Error)?.message ?? String(error), 'Try again; the Logs page has details.');
}

export { ApiError };
