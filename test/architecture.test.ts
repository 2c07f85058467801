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
/** packages that load a native addon or read a .wasm file when imported: the platform's business (core/platform) */
const NATIVE_PACKAGES = new Set(['module', 'secp256k1', 'tiny-secp256k1', 'sodium-native', 'better-sqlite3', 'nostr-wasm', 'serialport', '@serialport']);

/**
 * What makes a module depend on the machine it runs on, found in its text (comments removed): CommonJS loading,
 * the process object, native addons (.node files) and file locations. Protocol code takes such things through
 * interfaces instead (core/platform installs them).
 */
export function impurities(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|\s)\/\/.*$/gm, '$1');
  const found: string[] = [];
  const patterns: Array<[string, RegExp]> = [
    ['createRequire', /\bcreateRequire\b/],
    ['require()', /(?<![.\w])require\s*\(/],
    ['process.*', /(?<![.\w])process\b(?=\s*(?:[.[)]|as\b))/],
    ['a native addon (.node)', /['"`][^'"`\n]*\.node['"`]/],
    ['import.meta file locations', /\bimport\.meta\.(url|dirname|filename)\b/],
  ];
  for (const [what, pattern] of patterns) if (pattern.test(code)) found.push(what);
  return found;
}

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

  it('core/protocol is pure: no createRequire, require(), process.*, native addons or packages that load them', () => {
    const bad: Violation[] = [];
    for (const file of sourceFiles(join(repoRoot, 'core', 'protocol'))) {
      const from = relative(repoRoot, file);
      if (/\.test\.tsx?$/.test(from) || from.includes('/testing/')) continue;
      for (const what of impurities(readFileSync(file, 'utf8'))) bad.push({ file: from, imports: what });
    }
    bad.push(
      ...check((from, target) => {
        if (!from.startsWith('core/protocol/') || !('module' in target)) return true;
        return !NATIVE_PACKAGES.has(target.module);
      }),
    );
    expect(bad).toEqual([]);
  });

  it('the purity check finds what secp.ts did before the platform split', () => {
    const before = [
      "import { createRequire } from 'node:module';",
      "// require('not this one, a comment')",
      'const require = createRequire(import.meta.url);',
      "const lib = require('secp256k1/bindings');",
      'const resources = (process as { resourcesPath?: string }).resourcesPath;',
      "for (const path of ['../../../native/build/ecmult.node']) load(path);",
    ].join('\n');
    expect(impurities(before)).toEqual(['createRequire', 'require()', 'process.*', 'a native addon (.node)', 'import.meta file locations']);
    expect(impurities("/* process.env */ const url = 'https://example.org/x.node.js'; // require('y')")).toEqual([]);
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
