/**
 * Electron's utilityProcess.fork cannot run where Electron's binary cannot be downloaded: the tests start the engine
 * process with Node's fork instead, with structured-clone IPC as Electron's ports have, and the engine's V8 flags in
 * Node's form. engine-process.ts talks to Node's IPC when it finds no Electron parentPort.
 */
import { fork } from 'node:child_process';
import { constants } from 'node:os';
import { join } from 'node:path';
import { ENGINE_NODE_FLAGS } from '../core/system/engine-flags';
import type { EngineChild } from './engine-link';
import type { FromEngine } from './engine-messages';

export function forkEngineWithNode(env: NodeJS.ProcessEnv = process.env): EngineChild & { pid: number | undefined } {
  const child = fork(join(__dirname, 'engine-process.ts'), [], {
    execArgv: ['--import', 'tsx', ...ENGINE_NODE_FLAGS],
    serialization: 'advanced',
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return {
    pid: child.pid,
    postMessage: (message) => {
      if (child.connected) child.send(message);
    },
    on(event: 'message' | 'exit', listener: ((message: FromEngine) => void) | ((code: number) => void)) {
      if (event === 'message') child.on('message', listener as (message: unknown) => void);
      else child.on('exit', (code, signal) => (listener as (code: number) => void)(code ?? 128 + (signal ? constants.signals[signal] : 0)));
      return this;
    },
    kill: () => child.kill(),
  };
}
