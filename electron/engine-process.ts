/**
 * The desktop app's engine process: an Electron utility process the main process starts with the engine's V8 flags,
 * which Electron's main process cannot take after launch (see core/system/engine-flags.ts). It runs the same engine as
 * headless mode; the main process keeps the window, the tray and the OS keychain.
 */
import { startEngine } from '../core/app';
import { defaultHomeDir } from '../core/config/home';
import { logStrayRejections } from '../lib/log';
import type { FromEngine, ToEngine } from './engine-messages';
import { type ParentLink, serveEngine } from './engine-service';

interface ElectronParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

/** Electron's parentPort; under plain Node (the tests fork this file, as Electron's binary cannot exist there) its IPC. */
function parentLink(): ParentLink {
  const port = (process as { parentPort?: ElectronParentPort }).parentPort;
  if (port) {
    return {
      post: (message) => port.postMessage(message),
      onMessage: (listener) => port.on('message', (event) => listener(event.data as ToEngine)),
    };
  }
  if (!process.send) throw new Error('The engine process needs a parent to talk to: start it with utilityProcess.fork.');
  return {
    post: (message: FromEngine) => {
      if (process.connected) process.send?.(message);
    },
    // a parent that goes away without a word (crashed, killed) leaves nobody to stop the engine: stop it here
    onMessage: (listener) => {
      process.on('message', (message) => listener(message as ToEngine));
      process.on('disconnect', () => listener({ type: 'stop' }));
    },
  };
}

serveEngine(parentLink(), {
  start: async (seedVault) => {
    const engine = await startEngine({ home: defaultHomeDir(), mode: 'electron', seedVault });
    logStrayRejections(engine.logger);
    return engine;
  },
  exit: (code) => process.exit(code),
});
