import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

// The Electron binary cannot be downloaded here: its module is replaced by recording stand-ins.
const recorded = vi.hoisted(() => ({
  windows: [] as Array<{ options: any; handlers: Map<string, (...a: any[]) => void>; loaded?: string; hidden: boolean }>,
  trays: [] as Array<{ menu: any[] }>,
  ipcChannels: [] as string[],
  ipcHandlers: new Map<string, (...a: any[]) => any>(),
  keychainUsed: false,
  schemes: [] as any[],
  protocolHandlers: [] as string[],
  appHandlers: new Map<string, (...a: any[]) => void>(),
  permissionHandlerSet: false,
  forks: [] as Array<{ modulePath: string; options: any; exits: number[] }>,
  quits: 0,
}));

vi.mock('electron', async () => {
  // the engine process for real, started by Node's fork where Electron's utilityProcess cannot run
  const { forkEngineWithNode } = await import('./node-engine-child');
  class BrowserWindow {
    webContents = { isDestroyed: () => false, send: () => undefined };
    private readonly record;
    constructor(options: any) {
      this.record = { options, handlers: new Map(), hidden: false } as (typeof recorded.windows)[number];
      recorded.windows.push(this.record);
    }
    on(event: string, fn: (...a: any[]) => void) {
      this.record.handlers.set(event, fn);
    }
    once(event: string, fn: (...a: any[]) => void) {
      this.record.handlers.set(event, fn);
    }
    loadURL(url: string) {
      this.record.loaded = url;
      return Promise.resolve();
    }
    hide() {
      this.record.hidden = true;
    }
    show() {}
    focus() {}
    isDestroyed() {
      return false;
    }
  }
  class Tray {
    constructor(_icon: unknown) {
      recorded.trays.push({ menu: [] });
    }
    setToolTip() {}
    setContextMenu(menu: any[]) {
      recorded.trays[recorded.trays.length - 1]!.menu = menu;
    }
    on() {}
  }
  return {
    app: {
      requestSingleInstanceLock: () => true,
      whenReady: () => Promise.resolve(),
      on: (event: string, fn: (...a: any[]) => void) => recorded.appHandlers.set(event, fn),
      quit: () => {
        recorded.quits += 1;
      },
    },
    utilityProcess: {
      fork: (modulePath: string, _args: string[], options: any) => {
        const child = forkEngineWithNode();
        const record = { modulePath, options, exits: [] as number[] };
        child.on('exit', (code) => record.exits.push(code));
        recorded.forks.push(record);
        return child;
      },
    },
    BrowserWindow,
    Tray,
    ipcMain: {
      handle: (channel: string, fn: (...a: any[]) => any) => {
        recorded.ipcChannels.push(channel);
        recorded.ipcHandlers.set(channel, fn);
      },
      removeHandler: () => undefined,
    },
    Menu: { buildFromTemplate: (template: any[]) => template },
    nativeImage: { createFromDataURL: () => ({}) },
    protocol: {
      registerSchemesAsPrivileged: (schemes: any[]) => recorded.schemes.push(...schemes),
      handle: (scheme: string) => recorded.protocolHandlers.push(scheme),
    },
    // Linux with no keyring: Electron says encryption is available, through its basic_text backend
    safeStorage: {
      isEncryptionAvailable: () => true,
      getSelectedStorageBackend: () => 'basic_text',
      encryptString: (text: string) => {
        recorded.keychainUsed = true;
        return Buffer.from(text);
      },
      decryptString: (data: Buffer) => {
        recorded.keychainUsed = true;
        return data.toString();
      },
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: () => {
          recorded.permissionHandlerSet = true;
        },
        setPermissionCheckHandler: () => undefined,
      },
    },
  };
});

const home = mkdtempSync(join(tmpdir(), 'axw-electron-'));
process.env.AXEWALLET_HOME = home;
// a free Stratum port, so the test never collides with a running Axewallet
writeFileSync(join(home, 'settings.json'), JSON.stringify({ stratumPort: 0 }));
(globalThis as Record<string, unknown>).MAIN_WINDOW_VITE_NAME = 'main_window';

afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('desktop shell boot (Electron stubbed)', () => {
  it('opens one hardened window on app://, a tray, the IPC bridge and the app protocol', async () => {
    await import('./main');
    await vi.waitFor(() => expect(recorded.windows).toHaveLength(1), { timeout: 30_000 });
    const [window] = recorded.windows;
    expect(window!.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
    expect(window!.loaded).toBe('app://axewallet/index.html');
    expect(recorded.schemes[0]).toMatchObject({ scheme: 'app', privileges: { standard: true, secure: true } });
    expect(recorded.protocolHandlers).toEqual(['app']);
    expect(recorded.ipcChannels).toEqual(['axewallet:call']);
    expect(recorded.permissionHandlerSet).toBe(true);
    expect(recorded.appHandlers.has('web-contents-created')).toBe(true);
    expect(recorded.trays).toHaveLength(1);
    expect(recorded.trays[0]!.menu.map((item) => item.label).filter(Boolean)).toEqual(['Open Axewallet', 'Quit (stops the proxy)']);
  });

  it("runs the engine in its own process, started with the engine's V8 flags in the form Electron hands to V8", () => {
    expect(recorded.forks).toHaveLength(1);
    expect(recorded.forks[0]!.modulePath).toBe(join(__dirname, 'engine-process.js'));
    expect(recorded.forks[0]!.options).toMatchObject({ serviceName: 'Axewallet engine', execArgv: ['--js-flags=--max-semi-space-size=8'] });
  });

  it.runIf(process.platform === 'linux')('does not trust a basic_text keychain: the wallet asks for a passphrase and never hands the seed to safeStorage', async () => {
    const call = recorded.ipcHandlers.get('axewallet:call')!;
    const fromApp = { senderFrame: { url: 'app://axewallet/index.html' } };
    const state = await call(fromApp, 'wallet.get', {});
    expect(state).toMatchObject({ ok: true, value: { exists: false, vault: 'passphrase' } });
    const refused = await call(fromApp, 'wallet.create', {});
    expect(refused).toMatchObject({ ok: false, error: { code: 'locked', field: 'passphrase' } });
    const created = await call(fromApp, 'wallet.create', { passphrase: 'a long passphrase' });
    expect(created).toMatchObject({ ok: true });
    expect(recorded.keychainUsed).toBe(false);
  });

  it('keeps running in the tray when the window is closed', () => {
    const [window] = recorded.windows;
    const event = { preventDefault: vi.fn() };
    window!.handlers.get('close')!(event);
    expect(event.preventDefault).toHaveBeenCalled();
    expect(window!.hidden).toBe(true);
    recorded.appHandlers.get('window-all-closed')!();
    expect(recorded.forks[0]!.exits).toEqual([]);
  });

  it('on quit, lets the engine stop first (proxy closed, wallet written), then quits', async () => {
    const first = { preventDefault: vi.fn() };
    recorded.appHandlers.get('before-quit')!(first);
    expect(first.preventDefault).toHaveBeenCalled();
    await vi.waitFor(() => expect(recorded.quits).toBe(1), { timeout: 30_000 });
    expect(recorded.forks[0]!.exits).toEqual([0]);
    // the quit that follows goes through
    const second = { preventDefault: vi.fn() };
    recorded.appHandlers.get('before-quit')!(second);
    expect(second.preventDefault).not.toHaveBeenCalled();
  });
});
