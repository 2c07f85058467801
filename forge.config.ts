/**
 * Packaging the desktop app: Electron Forge with the Vite plugin (main, preload, renderer), the fuses
 * plugin, and one maker per platform format. `npm run make` needs Electron's binary, which the CI
 * machines cannot download.
 */
import { MakerDeb } from '@electron-forge/maker-deb';
import { MakerDMG } from '@electron-forge/maker-dmg';
import { MakerRpm } from '@electron-forge/maker-rpm';
import { MakerSquirrel } from '@electron-forge/maker-squirrel';
import { MakerZIP } from '@electron-forge/maker-zip';
import { FusesPlugin } from '@electron-forge/plugin-fuses';
import { VitePlugin } from '@electron-forge/plugin-vite';
import type { ForgeConfig } from '@electron-forge/shared-types';
import { FuseV1Options, FuseVersion } from '@electron/fuses';

/**
 * Electron's fuses, flipped in the packaged binary: the wallet's process cannot be turned into a plain
 * Node.js (ELECTRON_RUN_AS_NODE), told to load code (NODE_OPTIONS, --inspect) or run an app from
 * outside its checked app.asar. Fuses a newer Electron adds keep their defaults (no strictlyRequireAllFuses:
 * Electron 38's wire may already hold a ninth, which @electron/fuses 1.x cannot name).
 */
export const FUSES = {
  version: FuseVersion.V1,
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableCookieEncryption]: true,
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
  // the window loads app://, never file://
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
} as const;

const config: ForgeConfig = {
  packagerConfig: {
    name: 'Axewallet',
    executableName: 'axewallet',
    appBundleId: 'org.axewallet.desktop',
    asar: { unpack: '**/*.{node,wasm}' },
    // built by `npm install` (scripts/build-native.mjs); Node-API, so the same file loads in Electron
    extraResource: ['native/build/ecmult.node'],
  },
  // better-sqlite3, serialport and secp256k1 are rebuilt for Electron's ABI by @electron/rebuild.
  rebuildConfig: { onlyModules: ['better-sqlite3', '@serialport/bindings-cpp', 'secp256k1'] },
  makers: [
    new MakerSquirrel({ name: 'axewallet' }),
    new MakerZIP({}, ['darwin', 'linux', 'win32']),
    new MakerDMG({ format: 'ULFO' }),
    new MakerDeb({ options: { name: 'axewallet', productName: 'Axewallet', categories: ['Utility', 'Network'] } }),
    new MakerRpm({ options: { name: 'axewallet', productName: 'Axewallet' } }),
  ],
  plugins: [
    new VitePlugin({
      build: [
        { entry: 'electron/main.ts', config: 'electron/vite.main.config.ts', target: 'main' },
        // the engine's own process (a utility process started with the engine's V8 flags), built beside main.js
        { entry: 'electron/engine-process.ts', config: 'electron/vite.main.config.ts', target: 'main' },
        { entry: 'electron/preload.ts', config: 'electron/vite.preload.config.ts', target: 'preload' },
      ],
      renderer: [{ name: 'main_window', config: 'renderer/vite.config.ts' }],
    }),
    new FusesPlugin(FUSES),
  ],
};

export default config;
