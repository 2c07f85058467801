/**
 * A JSON file in the home, read against its schema. A damaged one (not JSON, or not what the schema says) is never
 * silently replaced: it is copied aside and the caller learns why, to say so with both names; the original stays
 * untouched until the next save overwrites it.
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import type { z } from 'zod';
import { describeZodError } from '../api/define';

export type JsonFileRead<T> = { kind: 'absent' } | { kind: 'ok'; value: T } | { kind: 'damaged'; reason: string; copy: string };

export function readJsonFile<S extends z.ZodType>(file: string, schema: S): JsonFileRead<z.output<S>> {
  if (!existsSync(file)) return { kind: 'absent' };
  let reason: string;
  try {
    const parsed = schema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (parsed.success) return { kind: 'ok', value: parsed.data };
    reason = `invalid value: ${describeZodError(parsed.error).message}`;
  } catch (error) {
    reason = error instanceof SyntaxError ? `not valid JSON: ${error.message}` : (error as Error).message;
  }
  const copy = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  try {
    copyFileSync(file, copy);
  } catch {
    // an unreadable file cannot be copied either; the original is still left untouched
  }
  return { kind: 'damaged', reason, copy };
}
