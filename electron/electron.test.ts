import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiHost } from '../core/api/host';
import { resolveAppFile } from './app-protocol';
import { CALL_CHANNEL, handleCall, registerIpc } from './ipc';
import { APP_ORIGIN, hardenSession, hardenWebContents, isAppUrl, secureWindowOptions } from './security';

type Handler = (...args: any[]) => any;

function fakeWebContents() {
  const handlers = new Map<string, Handler>();
  let openHandler: Handler | undefined;
  return {
    handlers,
    openHandler: () => openHandler,
    setWindowOpenHandler: (fn: Handler) => {
      openHandler = fn;
    },
    on(event: string, fn: Handler) {
      handlers.set(event, fn);
      return this;
    },
  };
}

describe('window security settings', () => {
  it('isolates the renderer from Node and Electron', () => {
    const prefs = secureWindowOptions('/app/preload.js').webPreferences!;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      preload: '/app/preload.js',
    });
  });

  it('denies window.open, navigation away from the app and webviews', () => {
    const contents = fakeWebContents();
    hardenWebContents(contents as never);
    expect(contents.openHandler()!({ url: 'https://example.com' })).toEqual({ action: 'deny' });
    for (const event of ['will-navigate', 'will-redirect']) {
      const away = { preventDefault: vi.fn() };
      contents.handlers.get(event)!(away, 'https://evil.example/');
      expect(away.preventDefault).toHaveBeenCalled();
      const inside = { preventDefault: vi.fn() };
      contents.handlers.get(event)!(inside, `${APP_ORIGIN}/wallet`);
      expect(inside.preventDefault).not.toHaveBeenCalled();
    }
    const webview = { preventDefault: vi.fn() };
    contents.handlers.get('will-attach-webview')!(webview);
    expect(webview.preventDefault).toHaveBeenCalled();
  });

  it('grants notifications and refuses every other permission', () => {
    let request: Handler | undefined;
    let check: Handler | undefined;
    hardenSession({ setPermissionRequestHandler: (fn: Handler) => (request = fn), setPermissionCheckHandler: (fn: Handler) => (check = fn) } as never);
    const answers: Record<string, boolean> = {};
    for (const permission of ['notifications', 'media', 'geolocation', 'openExternal', 'clipboard-read']) {
      request!(null, permission, (granted: boolean) => (answers[permission] = granted));
    }
    expect(answers).toEqual({ notifications: true, media: false, geolocation: false, openExternal: false, 'clipboard-read': false });
    expect(check!(null, 'media')).toBe(false);
  });

  it('recognises only the app origin', () => {
    expect(isAppUrl(`${APP_ORIGIN}/index.html`)).toBe(true);
    expect(isAppUrl('file:///etc/passwd')).toBe(false);
    expect(isAppUrl('app://other/index.html')).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
  });
});

describe('IPC bridge', () => {
  const host = new ApiHost();
  host.handle('settings.get', () => {
    throw new Error('should not be reached with bad input');
  });
  const fromApp = { senderFrame: { url: `${APP_ORIGIN}/index.html` } } as never;

  it('validates payloads against the contract schemas', async () => {
    const reply = await handleCall(host, fromApp, 'settings.update', { stratumPort: 'x' });
    expect(reply).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    const unknown = await handleCall(host, fromApp, 'nope', {});
    expect(unknown).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const notString = await handleCall(host, fromApp, { evil: true }, {});
    expect(notString).toMatchObject({ ok: false, error: { code: 'bad_request' } });
  });

  it('answers schema violations with bad_request before any handler runs', async () => {
    const h = new ApiHost();
    const seen: unknown[] = [];
    h.handle('settings.update', (patch) => {
      seen.push(patch);
      return { ...(patch as object) } as never;
    });
    const reply = await handleCall(h, fromApp, 'settings.update', { stratumPort: -1 });
    expect(reply).toMatchObject({ ok: false, error: { code: 'bad_request', field: 'stratumPort' } });
    expect(seen).toHaveLength(0);
  });

  it('refuses calls from frames that are not the app', async () => {
    const reply = await handleCall(host, { senderFrame: { url: 'https://evil.example' } } as never, 'status.get', {});
    expect(reply).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('registers one handler and forwards engine events to the window', () => {
    const h = new ApiHost();
    const handlers = new Map<string, Handler>();
    const sent: unknown[] = [];
    const ipcMain = { handle: (channel: string, fn: Handler) => handlers.set(channel, fn), removeHandler: (channel: string) => handlers.delete(channel) };
    const contents = { isDestroyed: () => false, send: (_c: string, e: unknown) => sent.push(e) };
    const dispose = registerIpc(ipcMain as never, h, () => contents as never);
    expect([...handlers.keys()]).toEqual([CALL_CHANNEL]);
    h.emit({ type: 'alert', alert: { id: '1', severity: 'info', source: 'proxy', kind: 'x', title: 't', message: 'm', at: new Date().toISOString() } });
    expect(sent).toHaveLength(1);
    dispose();
    expect(handlers.size).toBe(0);
  });
});

describe('app:// protocol', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'axw-renderer-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), '<html></html>');
    writeFileSync(join(root, 'assets', 'app.js'), '');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('serves files inside the renderer build and index.html for app routes', () => {
    expect(resolveAppFile(root, `${APP_ORIGIN}/assets/app.js`)).toBe(join(root, 'assets', 'app.js'));
    expect(resolveAppFile(root, `${APP_ORIGIN}/wallet`)).toBe(join(root, 'index.html'));
  });

  it('never serves a file outside it', () => {
    expect(resolveAppFile(root, `${APP_ORIGIN}/../../etc/passwd`)).not.toMatch(/passwd/);
    expect(resolveAppFile(root, `${APP_ORIGIN}/%2e%2e/%2e%2e/etc/passwd`)).not.toMatch(/passwd/);
    expect(resolveAppFile(root, 'file:///etc/passwd')).toBeUndefined();
  });
});
