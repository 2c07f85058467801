/**
 * The layering rule of docs/ARCHITECTURE.md, checked on every import of every source file:
 * dependencies point one way, protocol code does no I/O, the renderer knows only the API contract.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './fixtures';

const SOURCE = /\.(ts|tsx|mts)$/;
const IO_MODULES = new Set(['fs', 'net', 'http', 'https', 'http2', 'tls', 'dgram', 'child_process', 'worker_threads', 'cluster', 'dns']);
/** packages that load a native addon or read a .wasm file when imported: the platform's business (lib/platform) */
const NATIVE_PACKAGES = new Set(['module', 'secp256k1', 'tiny-secp256k1', 'sodium-native', 'better-sqlite3', 'nostr-wasm', 'serialport', '@serialport']);

/**
 * What makes a module depend on the machine it runs on, found in its text (comments removed): CommonJS loading,
 * the process object, native addons (.node files) and file locations. Protocol code takes such things through
 * interfaces instead (lib/platform installs them).
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

/** Area of a repo-relative path: lib/protocol, lib/platform, lib/transport, lib/log, core/api, core, device, devnet, electron, renderer, ... */
function areaOf(path: string): string {
  const parts = path.split('/');
  if (parts[0] === 'lib') return `lib/${(parts[1] ?? '').replace(/\.tsx?$/, '')}`;
  if (parts[0] === 'core' && parts[1] === 'api') return 'core/api';
  return parts[0]!;
}

/**
 * The floors of the tree, lowest first. A top folder imports only from floors below its own (and itself):
 * lib is what everything stands on, device and devnet are the two worlds Axewallet talks to (hardware and the
 * upstream), core the services, electron and renderer the shells. Only the composition root wires across
 * (core/demo.ts starts the devnet for the demo network).
 */
export const FLOORS: Record<string, number> = { lib: 0, device: 1, devnet: 1, core: 2, electron: 3, renderer: 3 };
const CROSS_WIRING = new Set(['core/demo.ts']);

interface Violation {
  file: string;
  imports: string;
}

function check(rule: (fromPath: string, target: { area: string; path: string } | { module: string }) => boolean): Violation[] {
  const violations: Violation[] = [];
  for (const top of Object.keys(FLOORS)) {
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

/** Modules (repo-relative, no extension) that import each other round in a circle, one list per circle. */
function importCycles(): string[][] {
  const graph = new Map<string, string[]>();
  for (const top of Object.keys(FLOORS)) {
    for (const file of sourceFiles(join(repoRoot, top))) {
      const from = relative(repoRoot, file);
      if (/\.test\.tsx?$/.test(from) || from.includes('/testing/')) continue;
      const targets: string[] = [];
      for (const spec of importsOf(file)) {
        if (!spec.startsWith('.')) continue;
        const base = resolve(dirname(file), spec);
        const hit = ['.ts', '.tsx', '/index.ts', '/index.tsx', ''].map((ext) => base + ext).find((p) => existsSync(p) && statSync(p).isFile());
        if (hit) targets.push(relative(repoRoot, hit));
      }
      graph.set(from, targets);
    }
  }
  // Tarjan's strongly connected components: every component with more than one module is a cycle
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string) => {
    indexOf.set(node, index);
    low.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indexOf.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, indexOf.get(next)!));
    }
    if (low.get(node) === indexOf.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!indexOf.has(node)) visit(node);
  return cycles;
}

describe('layering (docs/ARCHITECTURE.md)', () => {
  it('imports between top folders run one way: down the floors, never up or sideways', () => {
    const bad = check((from, target) => {
      if ('module' in target) return true;
      const own = from.split('/')[0]!;
      const other = target.path.split('/')[0]!;
      if (own === other || other === 'test') return true;
      if (CROSS_WIRING.has(from)) return true;
      // the renderer reaches the engine only through the API contract
      if (own === 'renderer') return target.area === 'core/api';
      return FLOORS[other] !== undefined && FLOORS[other] < FLOORS[own]!;
    });
    expect(bad).toEqual([]);
  });

  it('no module imports itself back through others (no import cycles)', () => {
    expect(importCycles()).toEqual([]);
  });

  it('lib/protocol does no I/O and depends on nothing else in the repo', () => {
    const bad = check((from, target) => {
      if (!from.startsWith('lib/protocol/')) return true;
      if ('module' in target) return !IO_MODULES.has(target.module);
      return target.area === 'lib/protocol';
    });
    expect(bad).toEqual([]);
  });

  it('lib/protocol is pure: no createRequire, require(), process.*, native addons or packages that load them', () => {
    const bad: Violation[] = [];
    for (const file of sourceFiles(join(repoRoot, 'lib', 'protocol'))) {
      const from = relative(repoRoot, file);
      if (/\.test\.tsx?$/.test(from) || from.includes('/testing/')) continue;
      for (const what of impurities(readFileSync(file, 'utf8'))) bad.push({ file: from, imports: what });
    }
    bad.push(
      ...check((from, target) => {
        if (!from.startsWith('lib/protocol/') || !('module' in target)) return true;
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

  it('inside lib: platform sits on the protocol, transport on protocol and log, log on nothing', () => {
    const allowed: Record<string, string[]> = { 'lib/platform': ['lib/protocol', 'lib/platform'], 'lib/transport': ['lib/protocol', 'lib/log', 'lib/transport'], 'lib/log': ['lib/log'] };
    const bad = check((from, target) => {
      const own = areaOf(from);
      if (!allowed[own] || 'module' in target) return true;
      return allowed[own].includes(target.area);
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

  it('the renderer uses no Node or Electron module', () => {
    const bad = check((from, target) => {
      if (!from.startsWith('renderer/') || !('module' in target)) return true;
      return !IO_MODULES.has(target.module) && target.module !== 'electron';
    });
    expect(bad).toEqual([]);
  });

  it('only the shell imports Electron', () => {
    const bad = check((from, target) => !('module' in target) || target.module !== 'electron' || from.startsWith('electron/'));
    expect(bad).toEqual([]);
  });
});

/** `extends EventEmitter` or `new EventEmitter` without a type argument: its events and their payloads are unchecked. */
export function untypedEmitters(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|\s)\/\/.*$/gm, '$1');
  return [...code.matchAll(/(?:extends|new)\s+(?:events\.)?EventEmitter\b(?!\s*<)/g)].map((m) => m[0]);
}

describe('the inside reads like the architecture (issue 16)', () => {
  it('the composition root only wires: core/app.ts stays under 200 lines', () => {
    const lines = readFileSync(join(repoRoot, 'core', 'app.ts'), 'utf8').split('\n').length;
    expect(lines).toBeLessThan(200);
  });

  it('every event emitter in lib, device, devnet and core says its events (EventEmitter<Events>)', () => {
    const bad: Violation[] = [];
    for (const top of ['lib', 'device', 'devnet', 'core']) {
      for (const file of sourceFiles(join(repoRoot, top))) {
        for (const what of untypedEmitters(readFileSync(file, 'utf8'))) bad.push({ file: relative(repoRoot, file), imports: what });
      }
    }
    expect(bad).toEqual([]);
  });

  it('the emitter check tells typed from untyped', () => {
    expect(untypedEmitters('class A extends EventEmitter {}\nconst e = new EventEmitter();')).toEqual(['extends EventEmitter', 'new EventEmitter']);
    expect(untypedEmitters('class A extends EventEmitter<AEvents> {}\nconst e = new EventEmitter<{ x: [] }>(); // extends EventEmitter {')).toEqual([]);
  });

  it('API handlers live in one kind of place: a domain folder’s api.ts (or <domain>-api.ts) exporting register<Domain>Api', () => {
    const bad: Violation[] = [];
    for (const file of sourceFiles(join(repoRoot, 'core'))) {
      const from = relative(repoRoot, file);
      if (/\.test\.tsx?$/.test(from) || from.includes('/testing/') || from.startsWith('core/api/')) continue;
      const text = readFileSync(file, 'utf8');
      if (!/\bhost\.handle\(/.test(text)) continue;
      const named = /(^|\/)([a-z]+-)?api\.ts$/.test(from) && /export function register[A-Z]\w*Api\(/.test(text);
      if (!named) bad.push({ file: from, imports: 'host.handle' });
    }
    expect(bad).toEqual([]);
  });
});
