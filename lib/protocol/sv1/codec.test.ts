import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../test/seeded-random';
import { MAX_SV1_LINE_BYTES, parseSv1Line, rejectReasonOf, Sv1LineSplitter, Sv1ProtocolError, sv1Error, sv1Result } from './codec';
import { extranonce2Hex, hexWord, isHex, parseNotify } from './job';

function codeOf(line: string): string | undefined {
  try {
    parseSv1Line(line);
    return undefined;
  } catch (error) {
    return error instanceof Sv1ProtocolError ? error.code : 'untyped';
  }
}

describe('Stratum V1 codec', () => {
  it('parses requests and responses', () => {
    expect(parseSv1Line('{"id":2,"method":"mining.subscribe","params":["bitaxe/BM1370/v2.15.0"]}')).toEqual({ kind: 'request', id: 2, method: 'mining.subscribe', params: ['bitaxe/BM1370/v2.15.0'] });
    expect(parseSv1Line('{"id":4,"result":false,"error":[23,"Low difficulty share",null]}')).toMatchObject({ kind: 'response', id: 4, result: false });
    expect(parseSv1Line('{"id":null,"method":"mining.notify"}')).toMatchObject({ params: [] });
  });

  it('rejects bad input with typed errors', () => {
    expect(codeOf('{"id":1,')).toBe('invalid-json');
    expect(codeOf('[1,2]')).toBe('not-an-object');
    expect(codeOf('{"id":{},"method":"x"}')).toBe('invalid-id');
    expect(codeOf('{"id":1,"method":""}')).toBe('invalid-method');
    expect(codeOf('{"id":1,"method":"x","params":{}}')).toBe('invalid-params');
    expect(codeOf(`{"id":1,"method":"x","params":["${'a'.repeat(MAX_SV1_LINE_BYTES)}"]}`)).toBe('line-too-long');
  });

  it('reads reject reasons in every shape pools send', () => {
    const reason = (line: string) => rejectReasonOf(parseSv1Line(line) as never);
    expect(reason('{"id":1,"result":false,"error":[23,"Low difficulty share",null]}')).toBe('Low difficulty share');
    expect(reason('{"id":1,"result":false,"error":"stale"}')).toBe('stale');
    expect(reason('{"id":1,"result":false,"error":{"message":"duplicate"}}')).toBe('duplicate');
    expect(reason('{"id":1,"result":false,"error":null,"reject-reason":"Above target"}')).toBe('Above target');
    expect(JSON.parse(sv1Error(7, 21, 'Job not found'))).toEqual({ id: 7, result: null, error: [21, 'Job not found', null] });
  });

  it('writes a result line as JSON.stringify does, the accepted share written out by hand included', () => {
    const random = seededRandom(19);
    const ids = [
      0,
      1,
      -0,
      2 ** 31,
      2 ** 53 + 2,
      1e21,
      0.5,
      -7,
      NaN,
      Infinity,
      'abc',
      'q"\\\n',
      null,
      ...Array.from({ length: 200 }, () => random.word() * (random.fraction() < 0.5 ? 1 : random.fraction())),
    ];
    for (const id of ids) {
      for (const result of [true, false, 'pong', [], null]) {
        expect(sv1Result(id, result), `${String(id)} ${String(result)}`).toBe(`${JSON.stringify({ id, result, error: null })}\n`);
      }
    }
    expect(JSON.parse(sv1Result(12, true))).toEqual({ id: 12, result: true, error: null });
  });

  it('splits lines across chunks and drops an overlong line once without buffering it', () => {
    const splitter = new Sv1LineSplitter(16);
    expect(splitter.push('{"a":1}\n{"b"')).toEqual(['{"a":1}']);
    expect(splitter.push(':2}\r\n\n')).toEqual(['{"b":2}']);
    expect(splitter.push('x'.repeat(40))).toEqual([{ overflow: true }]);
    expect(splitter.push('y'.repeat(40))).toEqual([]);
    expect(splitter.push('tail\n{"c":3}\n')).toEqual(['{"c":3}']);
  });

  it('drops blank lines, Unicode blanks included, and one carriage return before a newline', () => {
    const lines = new Sv1LineSplitter();
    expect(lines.push('\r\n \t\r\n\u3000\n\u00a0\r\n')).toEqual([]);
    expect(lines.push(' {"d":4}\r\nx\r\r\n{"e":5}\r')).toEqual([' {"d":4}', 'x\r']);
    expect(lines.push('\n')).toEqual(['{"e":5}']);
  });

  it('checks notify params with the firmware rules and writes extranonce2 little-endian', () => {
    const params = ['1b4c', '00'.repeat(32), 'aa', 'bb', [], '20000000', '1d00ffff', '64495522', true];
    expect(parseNotify(params).cleanJobs).toBe(true);
    expect(() => parseNotify(params.slice(0, 7))).toThrow(/at least 8/);
    expect(() => parseNotify(['1b4c', 12, 'aa', 'bb', [], '20000000', '1d00ffff', '64495522'])).toThrow(/prevhash/);
    expect(() => parseNotify(['1b4c', '00'.repeat(32), 'aa', 'bb', new Array(33).fill('00'.repeat(32)), '20000000', '1d00ffff', '64495522'])).toThrow(/32 hashes/);
    expect(extranonce2Hex(1n, 4)).toBe('01000000');
    expect(extranonce2Hex(0x0102n, 8)).toBe('0201000000000000');
  });
});

describe('Stratum V1 hex fields', () => {
  it('reads an 8-digit word in either case, and nothing else', () => {
    expect(hexWord('64495523')).toBe(0x64495523);
    expect(hexWord('FFFFFFFF')).toBe(0xffffffff);
    expect(hexWord('00a4E000')).toBe(0x00a4e000);
    for (const bad of ['6449552', '644955230', '6449552g', '6449552 ', '-6449552', '0x644955', '', 0x64495523, null, undefined]) expect(hexWord(bad)).toBe(-1);
  });

  it('takes whole bytes of hex, of a given count when asked', () => {
    expect(isHex('00ff', 2)).toBe(true);
    expect(isHex('AbCd09')).toBe(true);
    expect(isHex('')).toBe(true);
    expect(isHex('00ff', 3)).toBe(false);
    expect(isHex('0ff')).toBe(false);
    expect(isHex('0g')).toBe(false);
    expect(isHex('0:')).toBe(false);
    expect(isHex('0@')).toBe(false);
    expect(isHex(1234)).toBe(false);
  });
});
