/**
 * The IPC bridge between the renderer and the engine. Payloads are validated by the same
 * contract schemas the HTTP server uses (ApiHost.call); errors cross as data.
 */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import type { IpcReply } from '../core/api/bridge';
import { ApiError } from '../core/api/define';
import type { ApiHost } from '../core/api/host';
import { isAppUrl } from './security';

export const CALL_CHANNEL = 'axewallet:call';
export const EVENT_CHANNEL = 'axewallet:event';

export async function handleCall(host: ApiHost, event: Pick<IpcMainInvokeEvent, 'senderFrame'>, name: unknown, input: unknown): Promise<IpcReply> {
  const origin = event.senderFrame?.url ?? '';
  if (!isAppUrl(origin)) return { ok: false, error: { code: 'forbidden', message: 'Calls are only accepted from the Axewallet window.' } };
  if (typeof name !== 'string' || name.length > 64) return { ok: false, error: { code: 'bad_request', message: 'A command name must be a short string.' } };
  try {
    return { ok: true, value: await host.call(name, input) };
  } catch (error) {
    const apiError = error instanceof ApiError ? error : new ApiError('internal', 'The command failed.');
    return { ok: false, error: apiError.toBody().error };
  }
}

export function registerIpc(ipcMain: IpcMain, host: ApiHost, target: () => WebContents | undefined): () => void {
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
