/**
 * Saved settings (settings.json in the home dir). A corrupt or unreadable file is never silently
 * replaced: it is copied aside, the error names both files, and the original stays untouched
 * until the user saves settings again.
 */
import { join } from 'node:path';
import { type Settings, type SettingsPatch, settingsSchema } from '../api/system';
import { writeFileAtomic } from './home';
import { readJsonFile } from './json-file';

export class SettingsFileError extends Error {
  constructor(
    readonly file: string,
    readonly copy: string,
    reason: string,
  ) {
    super(`Settings file ${file} could not be read (${reason}). A copy was kept at ${copy}; Axewallet runs with default settings until you save new ones.`);
    this.name = 'SettingsFileError';
  }
}

export interface LoadedSettings {
  settings: Settings;
  /** set when the file was unreadable and defaults are in use */
  problem?: SettingsFileError;
}

export class SettingsStore {
  readonly file: string;
  private current: Settings;
  private readonly listeners = new Set<(settings: Settings) => void>();
  readonly problem: SettingsFileError | undefined;

  constructor(home: string) {
    this.file = join(home, 'settings.json');
    const loaded = this.load();
    this.current = loaded.settings;
    this.problem = loaded.problem;
  }

  private load(): LoadedSettings {
    const read = readJsonFile(this.file, settingsSchema);
    if (read.kind === 'ok') return { settings: read.value };
    const settings = settingsSchema.parse({});
    return read.kind === 'absent' ? { settings } : { settings, problem: new SettingsFileError(this.file, read.copy, read.reason) };
  }

  get(): Settings {
    return structuredClone(this.current);
  }

  /** Changes only the fields the patch names (nested objects key by key); tells subscribers when anything changed. */
  update(patch: SettingsPatch): Settings {
    const merged: Record<string, unknown> = { ...this.current };
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      const before = merged[key];
      merged[key] = isPlainObject(before) && isPlainObject(value) ? { ...before, ...value } : value;
    }
    const next = settingsSchema.parse(merged);
    writeFileAtomic(this.file, `${JSON.stringify(next, null, 2)}\n`);
    const changed = JSON.stringify(next) !== JSON.stringify(this.current);
    this.current = next;
    if (changed) for (const listener of this.listeners) listener(this.get());
    return this.get();
  }

  /** Called with the new settings after every change, whoever made it (a page, the backup's relay list). */
  subscribe(listener: (settings: Settings) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
