/**
 * A store selector must return something already in the state (or a primitive): React 19 compares snapshots by
 * identity, so a selector that builds a new array or object on every call (`?? []`, `.map(...)`, `({...})`) makes
 * it re-render without end ("Maximum update depth exceeded", a blank page). The Devices page did this while the
 * mining view was still loading. This reads every selector in the renderer's source.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [path] : [];
  });
}

/** The selector bodies of `useApp((s) => ...)` calls, with the file they are in. */
function selectors(): Array<{ file: string; body: string }> {
  const found: Array<{ file: string; body: string }> = [];
  for (const file of sources(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/useApp\(\((\w+)\) =>/g)) {
      // the body runs to the parenthesis that closes useApp(
      let depth = 1;
      let i = match.index + 'useApp('.length;
      for (; i < text.length && depth > 0; i++) {
        if (text[i] === '(') depth++;
        else if (text[i] === ')') depth--;
      }
      found.push({ file: relative(SRC, file), body: text.slice(match.index, i) });
    }
  }
  return found;
}

/** Whether a selector body builds a fresh array or object each time it runs (and does not reduce it to a number). */
function buildsFreshValue(body: string): boolean {
  if (/(\?\?|\|\|)\s*(\[\]|\{\})\s*\)$/.test(body)) return true;
  if (/=>\s*\(\{/.test(body)) return true;
  return /\.(map|filter|slice|concat)\(/.test(body) && !/\.length\)?\s*\)$/.test(body) && !/\.(find|some|every|includes)\(/.test(body);
}

describe('store selectors', () => {
  it('the check tells a fresh value from a stable one', () => {
    expect(buildsFreshValue('useApp((s) => s.mining?.miners ?? [])')).toBe(true);
    expect(buildsFreshValue('useApp((s) => ({ a: s.a }))')).toBe(true);
    expect(buildsFreshValue('useApp((s) => s.devices.map((d) => d.id))')).toBe(true);
    expect(buildsFreshValue('useApp((s) => s.mining?.miners)')).toBe(false);
    expect(buildsFreshValue("useApp((s) => s.events.filter((e) => e.type === 'wallet.balance').length)")).toBe(false);
    expect(buildsFreshValue('useApp((s) => [...s.alerts].reverse().find((a) => !a.clearedAt))')).toBe(false);
  });

  it('no selector in the renderer builds a new array or object on every call', () => {
    const all = selectors();
    expect(all.length).toBeGreaterThan(20);
    expect(all.filter((s) => buildsFreshValue(s.body)).map((s) => `${s.file}: ${s.body}`)).toEqual([]);
  });
});
