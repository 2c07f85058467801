/**
 * A device manager for tests: its own SQLite file, no proxy, a silent logger and polling fast enough that a test
 * sees a simulated Bitaxe change within a fraction of a second. Options given win.
 */
import { join } from 'node:path';
import { silentLogger } from '../../../lib/log';
import { createDeviceManager, type DeviceManager } from '../manager';
import type { DeviceManagerOptions } from '../manager-types';

export function testDeviceManager(dir: string, options: Partial<DeviceManagerOptions> = {}): DeviceManager {
  return createDeviceManager({
    dbPath: join(dir, 'devices.sqlite'),
    proxyEndpoint: () => undefined,
    proxyMiners: () => [],
    logger: silentLogger,
    pollIntervalMs: 200,
    ...options,
  });
}
