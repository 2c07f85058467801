/**
 * The two AxeOS WebSockets, both reconnecting: /api/ws/live (first frame the full system info, then
 * diffs merged into it) and /api/ws (raw ESP-IDF log text, split into lines).
 */
import WebSocket from 'ws';
import { mergeLiveDiff } from './normalize';

export interface StreamOptions {
  /** first reconnect delay; doubles up to maxDelayMs */
  retryDelayMs?: number;
  maxDelayMs?: number;
  onStatus?: (connected: boolean, reason?: string) => void;
}

export interface Stream {
  close(): void;
}

function reconnecting(url: string, onMessage: (text: string) => void, options: StreamOptions, onOpen?: () => void): Stream {
  const base = options.retryDelayMs ?? 1000;
  const max = options.maxDelayMs ?? 30_000;
  let delay = base;
  let closed = false;
  let socket: WebSocket | undefined;
  let timer: NodeJS.Timeout | undefined;

  const connect = () => {
    if (closed) return;
    // No Origin header: AxeOS would 401 anything but a private http:// origin.
    const ws = new WebSocket(url, { handshakeTimeout: 5000, maxPayload: 1024 * 1024 });
    socket = ws;
    ws.on('open', () => {
      delay = base;
      onOpen?.();
      options.onStatus?.(true);
    });
    ws.on('message', (data) => onMessage(data.toString()));
    ws.on('error', () => undefined); // 'close' follows and schedules the retry
    ws.on('close', (_code, reason) => {
      if (closed) return;
      options.onStatus?.(false, reason.toString() || 'disconnected');
      timer = setTimeout(connect, delay);
      delay = Math.min(delay * 2, max);
    });
  };
  connect();
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      socket?.terminate();
    },
  };
}

function wsUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/^http/, 'ws')}${path}`;
}

/** Full system info kept current from /api/ws/live; `onState` gets the merged object after every frame. */
export function subscribeLive(baseUrl: string, onState: (state: Record<string, unknown>) => void, options: StreamOptions = {}): Stream {
  let state: Record<string, unknown> | undefined;
  return reconnecting(
    wsUrl(baseUrl, '/api/ws/live'),
    (text) => {
      let frame: unknown;
      try {
        frame = JSON.parse(text);
      } catch {
        return; // a garbled frame is skipped; the next diff or reconnect brings the state back
      }
      if (!frame || typeof frame !== 'object') return;
      const { event, data } = frame as { event?: unknown; data?: unknown };
      if (event !== 'update' || !data || typeof data !== 'object' || Array.isArray(data)) return;
      state = state ? mergeLiveDiff(state, data as Record<string, unknown>) : (data as Record<string, unknown>);
      onState(state);
    },
    options,
    () => {
      state = undefined; // the first frame after a reconnect is the full state again
    },
  );
}

/** Log lines from /api/ws; a frame may hold several lines or half of one. */
export function subscribeLogs(baseUrl: string, onLine: (line: string) => void, options: StreamOptions = {}): Stream {
  let partial = '';
  return reconnecting(
    wsUrl(baseUrl, '/api/ws'),
    (text) => {
      const pieces = (partial + text).split('\n');
      partial = pieces.pop() ?? '';
      if (partial.length > 8192) partial = '';
      for (const piece of pieces) {
        const line = piece.replace(/\r$/, '');
        if (line) onLine(line);
      }
    },
    options,
    () => {
      partial = '';
    },
  );
}
