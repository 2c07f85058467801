/**
 * Reading what callgrind counted: the instructions each function of one thread ran, as `callgrind_annotate` prints
 * them, with the code V8 compiled named from the map `--perf-basic-prof` writes (callgrind knows only its addresses).
 * Instructions, unlike seconds, come out the same run after run for the same work, whatever else the machine does,
 * so two paths' costs can be set side by side to a few per cent where their timings swing by a quarter.
 */

/** Compiled code at an address the map does not cover (compiled before the map was written, or since freed). */
const UNMAPPED = 'JS:(code not in the map)';

/** One function's instructions. */
export interface FunctionCost {
  name: string;
  instructions: number;
}

/** Where a function's code lives: the groups a submit's instructions are summed in. */
export type CodeKind = 'ours' | 'node-js' | 'unmapped' | 'v8-json' | 'v8-runtime' | 'v8-builtins' | 'node-cpp' | 'libuv' | 'libc' | 'other';

export interface ThreadCost {
  total: number;
  functions: FunctionCost[];
}

/** A `--perf-basic-prof` map: compiled code's start, size and name, sorted by start. */
export interface CodeMap {
  starts: number[];
  entries: { start: number; size: number; name: string }[];
}

/** Parses `/tmp/perf-<pid>.map` ("start size name" in hex, a line per compiled function). */
export function parseCodeMap(text: string): CodeMap {
  const entries = [];
  for (const line of text.split('\n')) {
    const match = /^([0-9a-f]+) ([0-9a-f]+) (.+)$/i.exec(line);
    if (match) entries.push({ start: Number.parseInt(match[1]!, 16), size: Number.parseInt(match[2]!, 16), name: match[3]! });
  }
  entries.sort((a, b) => a.start - b.start);
  return { starts: entries.map((entry) => entry.start), entries };
}

/**
 * The compiled function holding `address`, by its source position, or undefined. Where code was freed and its
 * address reused, two entries start alike; the map lists them in the order they were made and the sort keeps that
 * order, so the newer is found.
 */
export function codeAt(map: CodeMap, address: number): string | undefined {
  let low = 0;
  let high = map.starts.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (map.starts[middle]! <= address) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  const entry = map.entries[found];
  if (!entry || address >= entry.start + entry.size) return undefined;
  // V8 marks the tier before the name ("JS:*" optimized, "JS:^" baseline): one function, however compiled
  return entry.name.replace(/^(JS|RegExp):[*^~+]?/, '$1:');
}

/**
 * Parses `callgrind_annotate --threshold=100` output: the program's total and every function's own instructions,
 * compiled code named from `map`. The same function compiled twice is summed.
 */
export function parseAnnotate(text: string, map: CodeMap): ThreadCost {
  let total = 0;
  const byName = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^\s*([\d,]+) (?:\(\s*[\d.]+%\)\s+)?(\S.*)$/.exec(line);
    if (!match) continue;
    const instructions = Number(match[1]!.replaceAll(',', ''));
    const symbol = match[2]!;
    if (symbol.startsWith('PROGRAM TOTALS')) {
      total = instructions;
      continue;
    }
    const name = nameOf(symbol, map);
    byName.set(name, (byName.get(name) ?? 0) + instructions);
  }
  const functions = [...byName].map(([name, instructions]) => ({ name, instructions })).sort((a, b) => b.instructions - a.instructions);
  return { total, functions };
}

/** "file:function [object]" as printed, with an unknown address looked up in the code map. */
function nameOf(symbol: string, map: CodeMap): string {
  const address = /^\?\?\?:0x([0-9a-f]+)/.exec(symbol);
  if (address) return codeAt(map, Number.parseInt(address[1]!, 16)) ?? UNMAPPED;
  const [, file, fn, object] = /^(.*?):(.*?)(?: \[(.*)\])?$/.exec(symbol) ?? [];
  const where = object ?? file ?? '';
  return `${fn ?? symbol}${where && where !== '???' ? ` [${where.split('/').at(-1)}]` : ''}`;
}

/** The group a function's code belongs to. */
export function kindOf(name: string): CodeKind {
  if (name === UNMAPPED) return 'unmapped';
  if (name.startsWith('JS:') || name.startsWith('RegExp:')) return name.includes('file://') ? 'ours' : 'node-js';
  if (name.startsWith('Builtins_')) return 'v8-builtins';
  if (name.includes('[libc.so')) return 'libc';
  if (name.startsWith('v8::internal::Json')) return 'v8-json';
  if (/^uv_|libuv/.test(name)) return 'libuv';
  if (name.startsWith('node::')) return 'node-cpp';
  if (name.startsWith('v8::') || name.includes('v8::internal::')) return 'v8-runtime';
  return 'other';
}

/** A thread's instructions per unit of work (`per`), in all, by kind, and its `top` functions. */
export function perUnit(cost: ThreadCost, per: number, top: number) {
  const byKind: Partial<Record<CodeKind, number>> = {};
  for (const fn of cost.functions) byKind[kindOf(fn.name)] = (byKind[kindOf(fn.name)] ?? 0) + fn.instructions / per;
  const rounded = Object.fromEntries(
    Object.entries(byKind)
      .map(([kind, value]) => [kind, Math.round(value)])
      .sort((a, b) => (b[1] as number) - (a[1] as number)),
  );
  return {
    total: Math.round(cost.total / per),
    byKind: rounded,
    top: Object.fromEntries(cost.functions.slice(0, top).map((fn) => [shortName(fn.name), Math.round(fn.instructions / per)])),
  };
}

/** A function's name without the repository's path or a C++ signature's arguments. */
export function shortName(name: string): string {
  const local = name.replace(/file:\/\/\/\S*?\/((?:core|lib|bench|devnet)\/)/, '$1');
  const object = / \[[^\]]*\]$/.exec(local)?.[0] ?? '';
  const signature = local.slice(0, local.length - object.length);
  if (!signature.endsWith(')')) return local;
  // from the closing parenthesis back to the one that opens the argument list
  let depth = 0;
  for (let at = signature.length - 1; at >= 0; at--) {
    if (signature[at] === ')') depth++;
    else if (signature[at] === '(' && --depth === 0) return `${signature.slice(0, at)}()${object}`;
  }
  return local;
}
