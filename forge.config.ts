/**
 * Packaging the desktop app: Electron Forge with the Vite plugin (main, preload, renderer) and one
 * maker per platform format. `npm run make` needs Electron's binary, which the CI machines cannot download.
 */
import { MakerDeb } from '@electron-forge/maker-deb';
import { MakerDMG } from '@electron-forge/maker-dmg';
import { MakerRpm } from '@electron-forge/maker-rpm';
import { MakerSquirrel } from '@electron-forge/maker-squirrel';
import { MakerZIP } from '@electron-forge/maker-zip';
import { VitePlugin } from '@electron-forge/plugin-vite';
import type { ForgeConfig } from '@electron-forge/shared-types';

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
        { entry: 'electron/preload.ts', config: 'electron/vite.preload.config.ts', target: 'preload' },
      ],
      renderer: [{ name: 'main_window', config: 'renderer/vite.config.ts' }],
    }),
  ],
};

export default config;
