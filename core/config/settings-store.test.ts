import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Settings, settingsSchema } from '../api/system';
import { startEngine } from '../app';
import { defaultHomeDir } from './home';
import { SettingsStore } from './settings-store';

const homes: string[] = [];
function freshHome(): string {
  const dir = mkdtempSync(join(tmpdir(), 'axw-settings-'));
  homes.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of homes.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('settings file', () => {
  it('starts from defaults and persists changes with mode 0600', () => {
    const home = freshHome();
    const store = new SettingsStore(home);
    expect(store.get().stratumPort).toBe(34255);
    store.update({ stratumPort: 4000, relays: ['ws://127.0.0.1:7777'] });
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
    expect(new SettingsStore(home).get()).toMatchObject({ stratumPort: 4000, relays: ['ws://127.0.0.1:7777'] });
  });

  it('never silently resets a corrupt file: keeps it, copies it aside and names both', () => {
    const home = freshHome();
    const file = join(home, 'settings.json');
    writeFileSync(file, '{"stratumPort": 4000, ');
    const store = new SettingsStore(home);
    expect(store.problem?.message).toContain(file);
    expect(store.problem?.message).toMatch(/not valid JSON/);
    expect(existsSync(store.problem!.copy)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe('{"stratumPort": 4000, ');
    expect(readdirSync(home).some((f) => f.startsWith('settings.json.corrupt-'))).toBe(true);
  });

  it('reports a schema-invalid file the same way', () => {
    const home = freshHome();
    writeFileSync(join(home, 'settings.json'), JSON.stringify({ stratumPort: 'x' }));
    expect(new SettingsStore(home).problem?.message).toMatch(/invalid value: stratumPort/);
  });

  it('raises an alert and keeps running when the file is corrupt', async () => {
    const home = freshHome();
    writeFileSync(join(home, 'settings.json'), 'not json');
    const engine = await startEngine({ home, mode: 'headless', logToStderr: false, overrides: { stratumPort: 0 } });
    const { alerts } = await engine.host.invoke('alerts.recent', {});
    expect(alerts[0]).toMatchObject({ kind: 'settings-file', severity: 'critical' });
    expect((await engine.host.invoke('status.get', {})).mode).toBe('headless');
    await engine.stop();
  });

  it('honours AXEWALLET_HOME and picks a platform app-data dir otherwise', () => {
    expect(defaultHomeDir({ AXEWALLET_HOME: '/srv/axw' }, 'linux')).toBe('/srv/axw');
    expect(defaultHomeDir({ XDG_CONFIG_HOME: '/x' }, 'linux')).toBe('/x/axewallet');
    expect(defaultHomeDir({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32')).toMatch(/Axewallet$/);
    expect(defaultHomeDir({}, 'darwin')).toMatch(/Library\/Application Support\/Axewallet$/);
  });

  it('saving one field never resets another: every field, in the store and through the API', async () => {
    // two values for every field, neither of them the default; a new field needs its pair here
    const first: Settings = {
      upstreams: [{ url: 'stratum+tcp://127.0.0.1:3333' }],
      stratumPort: 4000,
      stratumHost: '127.0.0.1',
      verdictTimeoutMs: 3000,
      silentUpstreamSeconds: 60,
      mintUrl: 'http://127.0.0.1:3338',
      lockingKeyMode: 'static',
      relays: ['ws://127.0.0.1:7001'],
      backupDelaySeconds: 60,
      notifications: { enabled: false, offline: false, hashrateDrop: false, overheat: false, upstreamDown: false, backupFailing: false },
      theme: 'dark',
      stableApiToken: true,
    };
    const second: Settings = {
      upstreams: [{ url: 'stratum+tcp://127.0.0.1:4444', label: 'backup pool' }],
      stratumPort: 4001,
      stratumHost: '127.0.0.3',
      verdictTimeoutMs: 4000,
      silentUpstreamSeconds: 90,
      mintUrl: 'http://127.0.0.1:3339',
      lockingKeyMode: 'derived',
      relays: ['ws://127.0.0.1:7002', 'ws://127.0.0.1:7003'],
      backupDelaySeconds: 90,
      notifications: { enabled: true, offline: true, hashrateDrop: false, overheat: true, upstreamDown: false, backupFailing: true },
      theme: 'light',
      stableApiToken: false,
    };
    const fields = Object.keys(settingsSchema.shape).sort();
    expect(Object.keys(first).sort(), 'a sample value for every settings field').toEqual(fields);
    expect(Object.keys(second).sort()).toEqual(fields);

    const store = new SettingsStore(freshHome());
    const home = freshHome();
    const engine = await startEngine({ home, mode: 'headless', logToStderr: false, overrides: { stratumPort: 0 } });
    try {
      const saves: Array<[string, (patch: Partial<Settings>) => Promise<Settings>]> = [
        ['store', async (patch) => store.update(patch)],
        ['settings.update', (patch) => engine.host.invoke('settings.update', patch)],
      ];
      for (const [where, save] of saves) {
        expect(await save(first), where).toEqual(first);
        for (const field of fields as Array<keyof Settings>) {
          const saved = await save({ [field]: second[field] });
          expect(saved, `${where}: saving ${field} alone`).toEqual({ ...first, [field]: second[field] });
          await save({ [field]: first[field] });
        }
      }
      expect(new SettingsStore(home).get(), 'the file holds what was saved').toEqual(first);
      // a nested object is patched key by key
      expect(store.update({ notifications: { offline: true } }).notifications).toEqual({ ...first.notifications, offline: true });
    } finally {
      await engine.stop();
    }
  });
});
