import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file lives in <root>/test). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** External test data lives beside the checkout, in ../shared/fixtures. */
export function fixturePath(...parts: string[]): string {
  return resolve(repoRoot, '..', 'shared', 'fixtures', ...parts);
}

export function readFixture(...parts: string[]): string {
  return readFileSync(fixturePath(...parts), 'utf8');
}

export function readFixtureJson<T = unknown>(...parts: string[]): T {
  return JSON.parse(readFixture(...parts)) as T;
}
