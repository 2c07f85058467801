/**
 * The IPC bridge between the renderer and the engine. Payloads are validated by the same
 * contract schemas the HTTP server uses (ApiHost.call); errors cross as data.
 */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { type IpcReply, replyOf } from '../core/api/bridge';
import type { ApiHost } from '../core/api/host';
import { isAppUrl } from './security';

/** What the bridge needs of the engine: the engine's own ApiHost, or the main process's link to the engine process. */
export type EngineApi = Pick<ApiHost, 'call' | 'subscribe'>;

export const CALL_CHANNEL = 'axewallet:call';
export const EVENT_CHANNEL = 'axewallet:event';

export async function handleCall(host: EngineApi, event: Pick<IpcMainInvokeEvent, 'senderFrame'>, name: unknown, input: unknown): Promise<IpcReply> {
  const origin = event.senderFrame?.url ?? '';
  if (!isAppUrl(origin)) return { ok: false, error: { code: 'forbidden', message: 'Calls are only accepted from the Axewallet window.' } };
  if (typeof name !== 'string' || name.length > 64) return { ok: false, error: { code: 'bad_request', message: 'A command name must be a short string.' } };
  return replyOf(host.call(name, input));
}

export function registerIpc(ipcMain: IpcMain, host: EngineApi, target: () => WebContents | undefined): () => void {
  ipcMain.handle(CALL_CHANNEL, (event, name: unknown, input: unknown) => handleCall(host, event, name, input));
  const unsubscribe = host.subscribe((apiEvent) => {
    const contents = target();
    if (contents && !contents.isDestroyed()) contents.send(EVENT_CHANNEL, apiEvent);
  });
  return () => {
    ipcMain.removeHandler(CALL_CHANNEL);
    unsubscribe();
  };
}
