/**
 * What the desktop app's main process and its engine process (an Electron utility process) say to each other.
 * Structured-clone data only: plain objects, strings and byte arrays cross; class instances and errors do not.
 */
import type { IpcReply } from '../core/api/bridge';

/** What the main process knows of the OS keychain: fixed for a run, so sent once with `start`. */
export interface KeychainState {
  available: boolean;
  /** Linux only: the storage backend Electron chose (basic_text when no keyring runs) */
  backend?: string;
}

export type ToEngine =
  | { type: 'start'; keychain: KeychainState; /** why the previous engine process ended, for the engine's log */ restartedAfter?: string }
  | { type: 'call'; id: number; name: string; input: unknown }
  | { type: 'events'; on: boolean }
  | { type: 'keychain-answer'; id: number; ok: true; value: Uint8Array | string }
  | { type: 'keychain-answer'; id: number; ok: false; message: string }
  | { type: 'stop' };

export type KeychainRequest = { op: 'encrypt'; text: string } | { op: 'decrypt'; data: Uint8Array };

export type FromEngine =
  { type: 'ready' } | { type: 'failed'; message: string } | { type: 'reply'; id: number; reply: IpcReply } | { type: 'event'; event: unknown } | ({ type: 'keychain'; id: number } & KeychainRequest);
