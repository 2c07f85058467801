/**
 * The engine process's side of the link to the desktop app's main process: starts the engine when told, answers its
 * calls, forwards its events while the main process wants them, and stops it cleanly. The OS keychain (safeStorage)
 * exists only in the main process, so the wallet's seed vault asks there and waits for the answer.
 */
import { replyOf } from '../core/api/bridge';
import { ApiError } from '../core/api/define';
import type { Engine } from '../core/app';
import type { SafeStorageLike } from '../core/wallet';
import type { FromEngine, KeychainRequest, KeychainState, ToEngine } from './engine-messages';

/** The process's line to its parent: Electron's process.parentPort, or Node's process IPC where Electron is absent. */
export interface ParentLink {
  post(message: FromEngine): void;
  onMessage(listener: (message: ToEngine) => void): void;
}

export interface EngineServiceOptions {
  start: (vault: SafeStorageLike) => Promise<Engine>;
  exit: (code: number) => void;
}

/** The keychain as the engine sees it: availability fixed at start, encryption asked of the main process. */
function remoteKeychain(state: KeychainState, ask: (request: KeychainRequest) => Promise<Uint8Array | string>): SafeStorageLike {
  return {
    isEncryptionAvailable: () => state.available,
    ...(state.backend === undefined ? {} : { getSelectedStorageBackend: () => state.backend! }),
    encryptString: async (text) => Buffer.from(await ask({ op: 'encrypt', text })),
    decryptString: async (data) => String(await ask({ op: 'decrypt', data: new Uint8Array(data) })),
  };
}

export function serveEngine(link: ParentLink, opts: EngineServiceOptions): void {
  let engine: Engine | undefined;
  let starting: Promise<void> | undefined;
  let stopEvents: (() => void) | undefined;
  let nextKeychainId = 1;
  const keychainWaits = new Map<number, { resolve: (value: Uint8Array | string) => void; reject: (error: Error) => void }>();

  const ask = (request: KeychainRequest) =>
    new Promise<Uint8Array | string>((resolve, reject) => {
      const id = nextKeychainId++;
      keychainWaits.set(id, { resolve, reject });
      link.post({ type: 'keychain', id, ...request });
    });

  const start = async (message: Extract<ToEngine, { type: 'start' }>) => {
    try {
      engine = await opts.start(remoteKeychain(message.keychain, ask));
    } catch (error) {
      // the main process ends this process once it has read why: exiting here could lose the message
      link.post({ type: 'failed', message: (error as Error)?.message ?? String(error) });
      return;
    }
    if (message.restartedAfter) engine.logger.warn(`The engine was restarted: ${message.restartedAfter}`);
    link.post({ type: 'ready' });
  };

  const stop = async () => {
    stopEvents?.();
    try {
      // a stop asked for while the engine starts waits for it, so that nothing it opened is left half written
      await starting;
      await engine?.stop();
    } finally {
      opts.exit(0);
    }
  };

  link.onMessage((message) => {
    switch (message.type) {
      case 'start':
        starting ??= start(message);
        return;
      case 'call':
        if (!engine) {
          const notYet = new ApiError('unavailable', 'The engine is still starting.', 'Try again in a moment.');
          link.post({ type: 'reply', id: message.id, reply: { ok: false, error: notYet.toBody().error } });
          return;
        }
        void replyOf(engine.host.call(message.name, message.input)).then((reply) => link.post({ type: 'reply', id: message.id, reply }));
        return;
      case 'events':
        stopEvents?.();
        stopEvents = message.on && engine ? engine.host.subscribe((event) => link.post({ type: 'event', event })) : undefined;
        return;
      case 'keychain-answer': {
        const wait = keychainWaits.get(message.id);
        keychainWaits.delete(message.id);
        if (message.ok) wait?.resolve(message.value);
        else wait?.reject(new Error(message.message));
        return;
      }
      case 'stop':
        void stop();
        return;
    }
  });
}
