import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file lives in <root>/test). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** External test data (spec vectors, firmware transcripts, NVS oracles), copied in unchanged; test/fixtures/SOURCES.md says from where. */
export function fixturePath(...parts: string[]): string {
  return resolve(repoRoot, 'test', 'fixtures', ...parts);
}

export function readFixture(...parts: string[]): string {
  return readFileSync(fixturePath(...parts), 'utf8');
}

export function readFixtureJson<T = unknown>(...parts: string[]): T {
  return JSON.parse(readFixture(...parts)) as T;
}
