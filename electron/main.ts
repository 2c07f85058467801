/**
 * The desktop shell: one window, the IPC bridge to the engine, a tray icon so the proxy keeps running when the window
 * is closed. Thin by design: all behaviour lives in core/, which runs in its own engine process (engine-process.ts),
 * started with the engine's V8 flags; this process keeps the window, the tray and the OS keychain.
 */
import { join } from 'node:path';
import { app, BrowserWindow, ipcMain, Menu, nativeImage, protocol, safeStorage, session, Tray, utilityProcess } from 'electron';
import { ENGINE_ELECTRON_EXEC_ARGV } from '../core/system/engine-flags';
import { createLogger, logStrayRejections, stderrSink } from '../lib/log';
import { appResponse } from './app-protocol';
import { EngineLink } from './engine-link';
import { registerIpc } from './ipc';
import { APP_ORIGIN, APP_SCHEME, hardenSession, hardenWebContents, secureWindowOptions } from './security';

declare const MAIN_WINDOW_VITE_NAME: string;

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

let mainWindow: BrowserWindow | undefined;
let tray: Tray | undefined;
let quitting = false;
let engineStopped = false;

function rendererRoot(): string {
  return join(__dirname, '..', 'renderer', MAIN_WINDOW_VITE_NAME);
}

function showWindow(): void {
  if (!mainWindow || mainWindow.isDestroyed()) {
    mainWindow = new BrowserWindow(secureWindowOptions(join(__dirname, 'preload.js')));
    mainWindow.on('close', (event) => {
      // closing the window keeps mining and minting; quitting is explicit (tray or app menu)
      if (!quitting) {
        event.preventDefault();
        mainWindow?.hide();
      }
    });
    mainWindow.once('ready-to-show', () => mainWindow?.show());
    void mainWindow.loadURL(`${APP_ORIGIN}/index.html`);
    return;
  }
  mainWindow.show();
  mainWindow.focus();
}

function createTray(): Tray {
  const icon = nativeImage.createFromDataURL(
    'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAAKklEQVR42mNkYPj/n4EIwDiqYFQBAwMDAwMTA4MDw38GBgYGBoZRBaMKAACmSQQRn0H1KQAAAABJRU5ErkJggg==',
  );
  const created = new Tray(icon);
  created.setToolTip('Axewallet: the proxy keeps running while this icon is here');
  created.setContextMenu(Menu.buildFromTemplate([{ label: 'Open Axewallet', click: showWindow }, { type: 'separator' }, { label: 'Quit (stops the proxy)', click: () => app.quit() }]));
  created.on('click', showWindow);
  return created;
}

async function boot(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on('second-instance', showWindow);
  await app.whenReady();
  hardenSession(session.defaultSession);
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
  protocol.handle(APP_SCHEME, (request) => appResponse(rendererRoot(), request.url));

  const logger = createLogger([stderrSink()], 'desktop');
  logStrayRejections(logger);
  const engine = new EngineLink({
    // built beside main.js by Forge's Vite plugin (forge.config.ts)
    spawn: () => utilityProcess.fork(join(__dirname, 'engine-process.js'), [], { serviceName: 'Axewallet engine', execArgv: [...ENGINE_ELECTRON_EXEC_ARGV] }),
    // used only where it really protects the seed (not Linux's basic_text): see chooseVault
    keychain: safeStorage,
    logger,
  });
  engine.start();
  registerIpc(ipcMain, engine, () => mainWindow?.webContents);
  tray = createTray();
  showWindow();
  app.on('activate', showWindow);
  app.on('before-quit', (event) => {
    quitting = true;
    if (engineStopped) return;
    // the engine closes the proxy and finishes the wallet's writes before the app goes
    event.preventDefault();
    void engine.stop().finally(() => {
      engineStopped = true;
      app.quit();
    });
  });
  // the tray keeps the app (and the proxy) alive with no window open
  app.on('window-all-closed', () => undefined);
  logger.info('desktop mode: Electron window and tray ready', { tray: Boolean(tray) });
}

void boot();
