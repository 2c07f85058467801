/**
 * The main process's link to the engine process: starts it, hands the window's calls over and their answers back,
 * passes the engine's events to subscribers, answers its keychain requests with safeStorage, starts it again when it
 * ends unexpectedly, and stops it cleanly when the app quits.
 */
import { valueOf } from '../core/api/bridge';
import type { ApiEvent } from '../core/api/contract';
import { ApiError } from '../core/api/define';
import type { SafeStorageLike } from '../core/wallet';
import type { Logger } from '../lib/log';
import type { FromEngine, KeychainRequest, KeychainState, ToEngine } from './engine-messages';

/** What the main process holds of the engine process: Electron's UtilityProcess has this shape. */
export interface EngineChild {
  postMessage(message: ToEngine): void;
  on(event: 'message', listener: (message: FromEngine) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  kill(): boolean;
}

export interface EngineLinkOptions {
  spawn: () => EngineChild;
  /** Electron's safeStorage */
  keychain: SafeStorageLike;
  logger: Logger;
  /** waits before each start after an unexpected end; the last one repeats (default 1 s, 5 s, 30 s) */
  restartDelaysMs?: number[];
  /** a run at least this long starts the waits over (default one minute) */
  stableAfterMs?: number;
  /** how long a clean stop may take before the process is ended (default 20 s: the wallet finishes its writes) */
  stopTimeoutMs?: number;
}

/** `quitting` from the stop on, whether the process has ended yet or not: it is not started again either way */
type State = 'starting' | 'ready' | 'down' | 'quitting';
type CallMessage = Extract<ToEngine, { type: 'call' }>;

function keychainState(keychain: SafeStorageLike): KeychainState {
  const backend = keychain.getSelectedStorageBackend?.();
  return { available: keychain.isEncryptionAvailable(), ...(backend === undefined ? {} : { backend }) };
}

export class EngineLink {
  private child: EngineChild | undefined;
  private state: State = 'down';
  private downReason = 'it has not started yet';
  private startFailure: string | undefined;
  private nextCallId = 1;
  private readonly calls = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private queued: CallMessage[] = [];
  private readonly listeners = new Set<(event: ApiEvent) => void>();
  private restarts = 0;
  private readySince = 0;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private stopping: Promise<void> | undefined;
  private stopped: (() => void) | undefined;

  constructor(private readonly opts: EngineLinkOptions) {}

  start(restartedAfter?: string): void {
    this.state = 'starting';
    this.startFailure = undefined;
    const child = this.opts.spawn();
    this.child = child;
    child.on('message', (message) => this.onMessage(child, message));
    child.on('exit', (code) => this.onExit(child, code));
    child.postMessage({ type: 'start', keychain: keychainState(this.opts.keychain), ...(restartedAfter ? { restartedAfter } : {}) });
  }

  call(name: string, input: unknown): Promise<unknown> {
    if (this.state !== 'ready' && this.state !== 'starting') return Promise.reject(this.notRunning());
    return new Promise((resolve, reject) => {
      const message: CallMessage = { type: 'call', id: this.nextCallId++, name, input };
      this.calls.set(message.id, { resolve, reject });
      if (this.state === 'ready') this.send(message);
      else this.queued.push(message);
    });
  }

  subscribe(listener: (event: ApiEvent) => void): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1 && this.state === 'ready') this.child?.postMessage({ type: 'events', on: true });
    return () => {
      if (this.listeners.delete(listener) && this.listeners.size === 0 && this.state === 'ready') this.child?.postMessage({ type: 'events', on: false });
    };
  }

  /** Asks the engine to stop (it closes the proxy and finishes the wallet's writes); ends the process if it does not. */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    clearTimeout(this.restartTimer);
    const child = this.child;
    this.state = 'quitting';
    this.stopping = new Promise<void>((resolve) => {
      if (!child) {
        resolve();
        return;
      }
      const timer = setTimeout(() => {
        this.opts.logger.warn('the engine did not stop in time; ending its process');
        child.kill();
      }, this.opts.stopTimeoutMs ?? 20_000);
      this.stopped = () => {
        clearTimeout(timer);
        resolve();
      };
      child.postMessage({ type: 'stop' });
    });
    return this.stopping;
  }

  private send(message: CallMessage): void {
    try {
      this.child!.postMessage(message);
    } catch (error) {
      // input the structured clone cannot carry (the renderer's IPC already checked it, so this is rare)
      this.settle(message.id, { ok: false, error: new ApiError('bad_request', `The command's input cannot be sent: ${(error as Error).message}`).toBody().error });
    }
  }

  private settle(id: number, reply: Extract<FromEngine, { type: 'reply' }>['reply']): void {
    const call = this.calls.get(id);
    this.calls.delete(id);
    try {
      call?.resolve(valueOf(reply));
    } catch (error) {
      call?.reject(error as Error);
    }
  }

  private onMessage(child: EngineChild, message: FromEngine): void {
    if (child !== this.child) return;
    switch (message.type) {
      case 'ready':
        // a stop asked for meanwhile stands: the engine stops right after starting
        if (this.state === 'quitting') return;
        this.state = 'ready';
        this.readySince = Date.now();
        for (const queued of this.queued.splice(0)) this.send(queued);
        if (this.listeners.size > 0) child.postMessage({ type: 'events', on: true });
        this.opts.logger.info('engine process ready');
        return;
      case 'failed':
        this.startFailure = message.message;
        child.kill();
        return;
      case 'reply':
        this.settle(message.id, message.reply);
        return;
      case 'event':
        for (const listener of this.listeners) {
          try {
            listener(message.event as ApiEvent);
          } catch {
            // one broken subscriber (a closed window) must not stop the others
          }
        }
        return;
      case 'keychain':
        void this.answerKeychain(message).then((answer) => child.postMessage(answer));
        return;
    }
  }

  private async answerKeychain(request: KeychainRequest & { id: number }): Promise<ToEngine> {
    try {
      const value = request.op === 'encrypt' ? await this.opts.keychain.encryptString(request.text) : await this.opts.keychain.decryptString(Buffer.from(request.data));
      return { type: 'keychain-answer', id: request.id, ok: true, value: typeof value === 'string' ? value : new Uint8Array(value) };
    } catch (error) {
      return { type: 'keychain-answer', id: request.id, ok: false, message: (error as Error)?.message ?? String(error) };
    }
  }

  private onExit(child: EngineChild, code: number): void {
    if (child !== this.child) return;
    this.child = undefined;
    const quitting = this.state === 'quitting';
    if (!quitting) {
      this.state = 'down';
      this.downReason = this.startFailure ? `it could not start: ${this.startFailure}` : `its process ended unexpectedly (exit code ${code})`;
    }
    this.queued = [];
    for (const id of [...this.calls.keys()]) this.settle(id, { ok: false, error: this.notRunning().toBody().error });
    if (quitting) {
      this.stopped?.();
      return;
    }
    if (this.readySince > 0 && Date.now() - this.readySince >= (this.opts.stableAfterMs ?? 60_000)) this.restarts = 0;
    this.readySince = 0;
    const delays = this.opts.restartDelaysMs ?? [1_000, 5_000, 30_000];
    const delay = delays[Math.min(this.restarts, delays.length - 1)]!;
    this.restarts += 1;
    this.opts.logger.error(`the engine stopped: ${this.downReason}; starting it again in ${Math.round(delay / 1000)} s`);
    const reason = this.downReason;
    this.restartTimer = setTimeout(() => this.start(reason), delay);
  }

  /** The window shows an `offline` error app-wide, as "Cannot reach Axewallet", and clears it at the next answer. */
  private notRunning(): ApiError {
    if (this.state === 'quitting') return new ApiError('unavailable', 'Axewallet is quitting.');
    return new ApiError('offline', `Axewallet's engine is not running: ${this.downReason}.`, 'It starts again by itself within a minute; the Logs page then says why it stopped.');
  }
}
