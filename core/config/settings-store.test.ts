import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
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
});
