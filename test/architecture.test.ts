/**
 * The layering rule of DESIGN.md, checked on every import of every source file:
 * dependencies point one way, protocol code does no I/O, the renderer knows only the API contract.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './fixtures';

const SOURCE = /\.(ts|tsx|mts)$/;
const IO_MODULES = new Set(['fs', 'net', 'http', 'https', 'http2', 'tls', 'dgram', 'child_process', 'worker_threads', 'cluster', 'dns']);
function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (SOURCE.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = new Set<string>();
  for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g)) {
    specs.add((m[1] ?? m[2] ?? m[3])!);
  }
  return [...specs];
}

/** Top-level area of a repo-relative path: core/protocol, core/api, core, device, devnet, electron, renderer, ... */
function areaOf(path: string): string {
  const parts = path.split('/');
  if (parts[0] === 'core' && ['protocol', 'api'].includes(parts[1] ?? '')) return `core/${parts[1]}`;
  return parts[0]!;
}

interface Violation {
  file: string;
  imports: string;
}

function check(rule: (fromPath: string, target: { area: string; path: string } | { module: string }) => boolean): Violation[] {
  const violations: Violation[] = [];
  for (const top of ['core', 'device', 'devnet', 'electron', 'renderer']) {
    for (const file of sourceFiles(join(repoRoot, top))) {
      const from = relative(repoRoot, file);
      if (/\.test\.tsx?$/.test(from) || from.includes('/testing/')) continue;
      for (const spec of importsOf(file)) {
        const target = spec.startsWith('.')
          ? (() => {
              const path = relative(repoRoot, resolve(dirname(file), spec));
              return { area: areaOf(path), path };
            })()
          : { module: spec.replace(/^node:/, '').split('/')[0]! };
        if (!rule(from, target)) violations.push({ file: from, imports: spec });
      }
    }
  }
  return violations;
}

describe('layering (DESIGN.md)', () => {
  it('core/protocol does no I/O and depends on nothing else in the repo', () => {
    const bad = check((from, target) => {
      if (!from.startsWith('core/protocol/')) return true;
      if ('module' in target) return !IO_MODULES.has(target.module);
      return target.area === 'core/protocol';
    });
    expect(bad).toEqual([]);
  });

  it('core/platform sits on the protocol: it imports core/protocol and itself only', () => {
    const bad = check((from, target) => {
      if (!from.startsWith('core/platform/') || 'module' in target) return true;
      return target.path.startsWith('core/protocol/') || target.path.startsWith('core/platform/');
    });
    expect(bad).toEqual([]);
  });

  it('core/api is pure contract: zod and itself only', () => {
    const bad = check((from, target) => {
      if (!from.startsWith('core/api/')) return true;
      if ('module' in target) return target.module === 'zod';
      return target.area === 'core/api';
    });
    expect(bad).toEqual([]);
  });

  it('the renderer knows the API contract and nothing else of the engine', () => {
    const bad = check((from, target) => {
      if (!from.startsWith('renderer/')) return true;
      if ('module' in target) return !IO_MODULES.has(target.module) && target.module !== 'electron';
      return target.area === 'renderer' || target.area === 'core/api';
    });
    expect(bad).toEqual([]);
  });

  it('core never imports devnet except where the demo starts, nor the shells', () => {
    const bad = check((from, target) => {
      if (!from.startsWith('core/')) return true;
      if ('module' in target) return target.module !== 'electron';
      if (target.area === 'devnet') return from === 'core/demo.ts';
      return target.area !== 'electron' && target.area !== 'renderer';
    });
    expect(bad).toEqual([]);
  });

  it('devnet and device use only the protocol, platform, transport, contract and logging parts of core', () => {
    const allowed = (path: string) => /^core\/(protocol|platform|transport|api)\//.test(path) || path === 'core/platform' || path === 'core/log';
    const bad = check((from, target) => {
      if (!from.startsWith('devnet/') && !from.startsWith('device/')) return true;
      if ('module' in target) return target.module !== 'electron';
      if (target.area === 'core' || target.area.startsWith('core/')) return allowed(target.path);
      if (from.startsWith('device/')) return target.area === 'device';
      return target.area === 'devnet';
    });
    expect(bad).toEqual([]);
  });

  it('electron is thin: core and itself only', () => {
    const bad = check((from, target) => {
      if (!from.startsWith('electron/')) return true;
      if ('module' in target) return true;
      return target.area === 'electron' || target.area.startsWith('core') || from.endsWith('.config.ts');
    });
    expect(bad).toEqual([]);
  });
});
