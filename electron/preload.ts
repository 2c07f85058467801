/**
 * Runs sandboxed before the renderer: exposes only the API bridge (window.axewallet), nothing of Node or Electron.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { IpcReply, PreloadApi } from '../core/api/bridge';

const CALL_CHANNEL = 'axewallet:call';
const EVENT_CHANNEL = 'axewallet:event';

const api: PreloadApi = {
  call: (name, input) => ipcRenderer.invoke(CALL_CHANNEL, name, input) as Promise<IpcReply>,
  subscribe(listener) {
    const wrapped = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(EVENT_CHANNEL, wrapped);
    return () => ipcRenderer.removeListener(EVENT_CHANNEL, wrapped);
  },
};

contextBridge.exposeInMainWorld('axewallet', api);
