/**
 * Reading callgrind's counts: compiled code named from V8's map whatever its tier, the same function compiled twice
 * summed, C++ names shortened, and the totals per submit.
 */
import { describe, expect, it } from 'vitest';
import { codeAt, kindOf, parseAnnotate, parseCodeMap, perUnit, shortName } from './callgrind';

// the shape `callgrind_annotate --threshold=100` prints (valgrind 3.19), trimmed
const ANNOTATE = `--------------------------------------------------------------------------------
Profile data file 'proxy.callgrind.1-01' (creator: callgrind-3.19.0)
--------------------------------------------------------------------------------
Events recorded:  Ir
--------------------------------------------------------------------------------
Ir
--------------------------------------------------------------------------------
500,000 (100.0%)  PROGRAM TOTALS

--------------------------------------------------------------------------------
Ir                   file:function
--------------------------------------------------------------------------------
200,000 (40.00%)  ???:0x000000000d12e800 [???]
100,000 (20.00%)  ???:v8::internal::JsonStringifier::SerializeString(v8::internal::Handle<v8::internal::String>) [/usr/bin/node]
 60,000 (12.00%)  ???:0x000000000d151a40 [???]
 50,000 (10.00%)  ???:0x000000000d200000 [???]
 40,000 ( 8.00%)  ./malloc/./malloc/malloc.c:_int_malloc [/usr/lib/x86_64-linux-gnu/libc.so.6]
 30,000 ( 6.00%)  ???:Builtins_LoadIC [/usr/bin/node]
 20,000 ( 4.00%)  ???:0x000000000d300000 [???]
`;

const MAP = `d12e700 200 JS:*compress file:///srv/axewallet/lib/protocol/bitcoin/header-hash.ts:1:1168
d151a00 100 JS:^compress file:///srv/axewallet/lib/protocol/bitcoin/header-hash.ts:1:1168
d200000 80 JS:*writeOrBuffer node:internal/streams/writable:548:23
`;

describe('callgrind counts', () => {
  it('names compiled code by the map, whatever its tier, and leaves an address outside every entry unnamed', () => {
    const map = parseCodeMap(MAP);
    expect(codeAt(map, 0xd12e800)).toBe('JS:compress file:///srv/axewallet/lib/protocol/bitcoin/header-hash.ts:1:1168');
    expect(codeAt(map, 0xd151a40)).toBe('JS:compress file:///srv/axewallet/lib/protocol/bitcoin/header-hash.ts:1:1168');
    expect(codeAt(map, 0xd12e700 + 0x200)).toBeUndefined();
    expect(codeAt(map, 0xd000000)).toBeUndefined();
  });

  it('sums each function over its compiled copies, and the total over all', () => {
    const cost = parseAnnotate(ANNOTATE, parseCodeMap(MAP));
    expect(cost.total).toBe(500_000);
    expect(cost.functions).toEqual([
      { name: 'JS:compress file:///srv/axewallet/lib/protocol/bitcoin/header-hash.ts:1:1168', instructions: 260_000 },
      { name: 'v8::internal::JsonStringifier::SerializeString(v8::internal::Handle<v8::internal::String>) [node]', instructions: 100_000 },
      { name: 'JS:writeOrBuffer node:internal/streams/writable:548:23', instructions: 50_000 },
      { name: '_int_malloc [libc.so.6]', instructions: 40_000 },
      { name: 'Builtins_LoadIC [node]', instructions: 30_000 },
      { name: 'JS:(code not in the map)', instructions: 20_000 },
    ]);
  });

  it('groups by where the code lives, per submit', () => {
    const summary = perUnit(parseAnnotate(ANNOTATE, parseCodeMap(MAP)), 100, 3);
    expect(summary.total).toBe(5000);
    expect(summary.byKind).toEqual({ ours: 2600, 'v8-json': 1000, 'node-js': 500, libc: 400, 'v8-builtins': 300, unmapped: 200 });
    expect(summary.top).toEqual({
      'JS:compress lib/protocol/bitcoin/header-hash.ts:1:1168': 2600,
      'v8::internal::JsonStringifier::SerializeString() [node]': 1000,
      'JS:writeOrBuffer node:internal/streams/writable:548:23': 500,
    });
    expect(kindOf('node::StringBytes::Encode(v8::Isolate*) [node]')).toBe('node-cpp');
  });

  it('shortens a C++ signature to its name, nested parentheses and all', () => {
    expect(shortName('v8::internal::(anonymous namespace)::Invoke(v8::internal::Isolate*, v8::internal::(anonymous namespace)::InvokeParams const&) [node]')).toBe(
      'v8::internal::(anonymous namespace)::Invoke() [node]',
    );
    expect(shortName('halfsiphash(unsigned int, unsigned long) [node]')).toBe('halfsiphash() [node]');
  });
});
