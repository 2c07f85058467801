/**
 * The bridge the renderer talks to. Electron's preload and the headless server expose the same
 * shape, so the UI cannot tell which shell it runs in. Browser globals only (fetch, WebSocket).
 */
import type { ApiEvent, CommandInput, CommandName, CommandOutput } from './contract';
import { API_PREFIX, commands } from './contract';
import { ApiError, type ApiErrorBody, apiErrorBody } from './define';

export interface ApiBridge {
  readonly transport: 'ipc' | 'http';
  call<N extends CommandName>(name: N, input: CommandInput<N>): Promise<CommandOutput<N>>;
  subscribe(listener: (event: ApiEvent) => void): () => void;
}

/** What crosses Electron's IPC: plain data only, errors as data (class instances do not survive contextBridge). */
export type IpcReply = { ok: true; value: unknown } | { ok: false; error: ApiErrorBody['error'] };

/** A call's answer as it crosses a process boundary: the value, or the error as data (anything but an ApiError is internal). */
export async function replyOf(answer: Promise<unknown>): Promise<IpcReply> {
  try {
    return { ok: true, value: await answer };
  } catch (error) {
    const apiError = error instanceof ApiError ? error : new ApiError('internal', 'The command failed.');
    return { ok: false, error: apiError.toBody().error };
  }
}

/** The other side of replyOf: the value, or the ApiError it carried, thrown. */
export function valueOf(reply: IpcReply): unknown {
  if (reply.ok) return reply.value;
  throw ApiError.fromBody({ error: reply.error });
}

/** The object Electron's preload puts on window.axewallet. */
export interface PreloadApi {
  call(name: string, input: unknown): Promise<IpcReply>;
  subscribe(listener: (event: unknown) => void): () => void;
}

export function createIpcBridge(preload: PreloadApi): ApiBridge {
  return {
    transport: 'ipc',
    call: async (name, input) => valueOf(await preload.call(name, input)) as never,
    subscribe: (listener) => preload.subscribe((event) => listener(event as ApiEvent)),
  };
}

export interface HttpBridgeOptions {
  /** e.g. http://127.0.0.1:PORT (the page's own origin) */
  baseUrl: string;
  /** read at every call, so a token another tab received after a restart is used here too */
  token: () => string;
  reconnectDelayMs?: number;
}

/** The event stream's subprotocols: what it speaks, and the token (a browser cannot set headers on a WebSocket). */
export const EVENTS_PROTOCOL = 'axewallet.v1';
export const EVENTS_TOKEN_PREFIX = 'axewallet.token.';

export function createHttpBridge(opts: HttpBridgeOptions): ApiBridge {
  const listeners = new Set<(event: ApiEvent) => void>();
  let socket: WebSocket | undefined;
  let closed = false;

  const connect = () => {
    if (closed || listeners.size === 0 || socket) return;
    const ws = new WebSocket(`${opts.baseUrl.replace(/^http/, 'ws')}${API_PREFIX}/events`, [EVENTS_PROTOCOL, `${EVENTS_TOKEN_PREFIX}${opts.token()}`]);
    socket = ws;
    ws.onmessage = (message) => {
      let event: ApiEvent;
      try {
        event = JSON.parse(String(message.data)) as ApiEvent;
      } catch {
        return;
      }
      for (const listener of listeners) listener(event);
    };
    ws.onclose = () => {
      socket = undefined;
      setTimeout(connect, opts.reconnectDelayMs ?? 1000);
    };
  };

  return {
    transport: 'http',
    async call(name, input) {
      const def = commands[name];
      const values: Record<string, unknown> = { ...(input as Record<string, unknown>) };
      const path = def.path.replace(/:([A-Za-z]+)/g, (_m, key: string) => {
        const value = encodeURIComponent(String(values[key]));
        delete values[key];
        return value;
      });
      let url = `${opts.baseUrl}${API_PREFIX}${path}`;
      const init: RequestInit = { method: def.method, headers: { authorization: `Bearer ${opts.token()}` } };
      if (def.method === 'GET') {
        const query = new URLSearchParams();
        for (const [k, v] of Object.entries(values)) if (v !== undefined) query.set(k, String(v));
        if ([...query].length > 0) url += `?${query}`;
      } else {
        init.body = JSON.stringify(values);
        (init.headers as Record<string, string>)['content-type'] = 'application/json';
      }
      let response: Response;
      try {
        response = await fetch(url, init);
      } catch {
        throw new ApiError('offline', 'Axewallet is not answering.', 'Check that Axewallet is still running, then reload this page.');
      }
      const body: unknown = await response.json().catch(() => undefined);
      if (response.ok) return body as never;
      const parsed = apiErrorBody.safeParse(body);
      throw parsed.success ? ApiError.fromBody(parsed.data) : new ApiError('internal', `Axewallet answered ${response.status}.`, 'Reload the page; the Logs page has details.');
    },
    subscribe(listener) {
      listeners.add(listener);
      connect();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) {
          closed = true;
          socket?.close();
        }
      };
    },
  };
}
