import { describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../core/api/contract';
import { formatAgo, formatDuration, formatExact, formatHashrate, formatMs, formatScientific, formatSi, parseAmount } from './format';
import { mnemonicProblem, normalizeMnemonic, pickConfirmPositions } from './mnemonic';
import { alertCategory } from './notifications';
import { mergeHistory, streamLines } from './pipeline';
import { appendSample, inWindow } from './series';
import { bitaxeModel, workExplanation, yourMiners } from './work';
import { compareHashrates, reconnecting, typicalHashrate, warmingUp } from './hashrate';
import { upstreamStateName } from './upstream-words';
import { deviceAddressProblem, mintUrlProblem, parseScanTarget, portProblem, relayProblem, upstreamProblem } from './validation';

const VALID_12 = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

describe('format', () => {
  it('puts SI suffixes on amounts, including decimal strings beyond 2^53', () => {
    expect(formatSi(999)).toBe('999');
    expect(formatSi(0)).toBe('0');
    expect(formatSi(0.00123456)).toBe('0.00123');
    expect(formatSi(1234567)).toBe('1.23M');
    expect(formatSi('9223372036854775808')).toBe('9.22E');
    expect(formatHashrate(1.2e12)).toBe('1.2TH/s');
    expect(formatHashrate(undefined)).toBe('—');
    expect(formatMs(3.25)).toBe('3.3 ms');
    expect(formatMs(null)).toBe('—');
  });
  it('says how long ago', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(formatAgo('2026-01-01T11:59:30Z', now)).toBe('30s ago');
    expect(formatAgo('2026-01-01T10:00:00Z', now)).toBe('2h ago');
    expect(formatAgo(null, now)).toBe('never');
    expect(formatAgo('not a date', now)).toBe('unknown');
  });
});

describe('amounts as people type and read them', () => {
  it('accepts what the UI shows: suffixes, separators, decimals that come out whole', () => {
    expect(parseAmount('1M')).toBe(1_000_000n);
    expect(parseAmount('2.5k')).toBe(2500n);
    expect(parseAmount(' 1,234,567 ')).toBe(1_234_567n);
    expect(parseAmount('6.29M')).toBe(6_290_000n);
    expect(parseAmount('9.22E')).toBe(9_220_000_000_000_000_000n);
    expect(parseAmount('42')).toBe(42n);
    expect(parseAmount('1.5')).toMatch(/not a whole amount/);
    expect(parseAmount('0')).toMatch(/above 0/);
    expect(parseAmount('abc')).toMatch(/such as/);
    expect(parseAmount('')).toMatch(/such as/);
    expect(parseAmount('99999999999999999999')).toMatch(/more than/);
  });
  it('shows exact figures, powers of ten and durations', () => {
    expect(formatExact('9223372036854775808')).toBe('9,223,372,036,854,775,808');
    expect(formatExact(6291456)).toBe('6,291,456');
    expect(formatScientific(6.29e12)).toBe('6.3 × 10¹²');
    expect(formatScientific(123456)).toBe('123,456');
    expect(formatDuration(312)).toBe('about 5 min');
    expect(formatDuration(30)).toBe('about 30 s');
    expect(formatDuration(7200)).toBe('about 2 h');
    expect(formatDuration(3 * 86400)).toBe('about 3 days');
  });
});

describe('amounts as work', () => {
  it('names the miner and the time it needs for an amount', () => {
    expect(bitaxeModel('BM1370')).toBe('Bitaxe Gamma');
    expect(yourMiners([{ asicModel: 'BM1370', viaAxewallet: true }], 1)).toBe('your Bitaxe Gamma');
    expect(
      yourMiners(
        [
          { asicModel: 'BM1370', viaAxewallet: true },
          { asicModel: 'BM1366', viaAxewallet: true },
        ],
        2,
      ),
    ).toBe('your 2 miners');
    expect(yourMiners([], 0)).toBeUndefined();
    expect(workExplanation(6.3e12, 1.2e12 / 60, 'your Bitaxe Gamma')).toBe('= 6.3 × 10¹² hashes, about 5 min of your Bitaxe Gamma');
    expect(workExplanation('6291456', 0, 'your Bitaxe Gamma')).toBe('= 6.3 × 10⁶ hashes');
  });
});

describe('hashrate: reported and measured', () => {
  it('explains when the device and the proxy disagree, and says nothing when they agree', () => {
    const gamma = { hashrate: 1110, viaAxewallet: true };
    const demo = compareHashrates(19_600, [gamma], true);
    expect(demo.reported).toBe(1.11e12);
    expect(demo.differ).toBe(true);
    expect(demo.explanation).toMatch(/processor/);
    expect(compareHashrates(1.05e12, [gamma], false).differ).toBe(false);
    expect(compareHashrates(1.05e12, [gamma], false).explanation).toBeUndefined();
    expect(compareHashrates(0, [{ hashrate: 1110, viaAxewallet: false }], false).differ).toBe(false);
  });
  it('knows a fresh connection is still being measured and which devices are away', () => {
    const now = Date.parse('2026-12-05T12:00:00Z');
    expect(
      warmingUp(
        [
          { worker: 'a', connectedAt: '2026-12-05T11:59:20Z' },
          { worker: 'b', connectedAt: '2026-12-05T11:50:00Z' },
        ],
        now,
      ),
    ).toEqual([{ worker: 'a', seconds: 40 }]);
    const devices = [
      { hostname: 'gamma', address: 'http://127.0.0.2:36481', viaAxewallet: true, status: 'online' as const },
      { hostname: 'ultra', address: '192.168.1.9', viaAxewallet: true, status: 'restarting' as const },
    ];
    expect(reconnecting(devices, [{ address: '127.0.0.2:44941' }])).toEqual(['ultra']);
    const history = [10, 20, 0, 30].map((hashrate, i) => ({ at: new Date(now - (4 - i) * 60_000).toISOString(), hashrate }));
    expect(typicalHashrate({ hashrate: 5, hashrateHistory: history }, now)).toBe(20);
    expect(typicalHashrate({ hashrate: 5, hashrateHistory: [] }, now)).toBe(5);
  });
});

describe('mnemonic checks', () => {
  it('accepts a valid phrase, whatever the spacing and case', () => {
    expect(mnemonicProblem(`  ${VALID_12.toUpperCase().replace(/ /g, '   ')} `)).toBeUndefined();
    expect(normalizeMnemonic(' A  b\nc ')).toBe('a b c');
  });
  it('names the misspelt word by position', () => {
    expect(mnemonicProblem(VALID_12.replace(/about$/, 'abuot'))).toMatch(/Word 12 \("abuot"\)/);
  });
  it('tells a wrong count and a wrong checksum apart', () => {
    expect(mnemonicProblem('abandon abandon')).toMatch(/12 or 24 words; this has 2/);
    expect(mnemonicProblem(VALID_12.replace(/about$/, 'abandon'))).toMatch(/checksum/);
    expect(mnemonicProblem('   ')).toMatch(/Enter your recovery words/);
  });
  it('asks back distinct positions inside the phrase', () => {
    let seed = 0;
    const positions = pickConfirmPositions(12, 3, () => [0.1, 0.1, 0.5, 0.95][seed++ % 4]!);
    expect(positions).toEqual([1, 6, 11]);
  });
});

describe('field validation', () => {
  it('uses the contract rules for pool addresses', () => {
    expect(upstreamProblem('stratum+tcp://pool.example:3333')).toBeUndefined();
    expect(upstreamProblem('http://pool.example:3333')).toMatch(/Not a pool address/);
    expect(upstreamProblem('stratum2+tcp://pool.example:3333')).toMatch(/authority public key/);
    expect(upstreamProblem('')).toMatch(/Enter a pool address/);
  });
  it('checks relays, ports and device addresses', () => {
    expect(relayProblem('wss://relay.example')).toBeUndefined();
    expect(relayProblem('https://relay.example')).toMatch(/ws:\/\//);
    expect(portProblem('0')).toBeUndefined();
    expect(portProblem('65536')).toMatch(/0 to 65535/);
    expect(portProblem('')).toMatch(/0 to 65535/);
    expect(deviceAddressProblem('192.168.1.50')).toBeUndefined();
    expect(deviceAddressProblem('http://bitaxe.local:8080')).toBeUndefined();
    expect(deviceAddressProblem('http://bitaxe.local/api')).toMatch(/without a path/);
    expect(deviceAddressProblem('http://[zz')).toMatch(/Not an address/);
  });
  it('takes a mint address as optional, and only as an http(s) URL', () => {
    expect(mintUrlProblem('')).toBeUndefined();
    expect(mintUrlProblem('https://mint.example')).toBeUndefined();
    expect(mintUrlProblem('http://127.0.0.1:3338')).toBeUndefined();
    expect(mintUrlProblem('mint.example')).toMatch(/https:\/\//);
    expect(mintUrlProblem('wss://mint.example')).toMatch(/https:\/\//);
  });
  it('reads the ranges to search', () => {
    expect(parseScanTarget('')).toEqual({});
    expect(parseScanTarget('192.168.1.0/24, 10.0.0.5-20')).toEqual({ hosts: ['192.168.1.0/24', '10.0.0.5-20'] });
    expect(parseScanTarget('127.0.0.2-4:8080')).toEqual({ hosts: ['127.0.0.2-4'], port: 8080 });
    expect(parseScanTarget('bitaxe.local')).toMatch(/not an address range/);
    expect(parseScanTarget('127.0.0.2:99999')).toMatch(/out of range/);
  });
});

describe('dashboard data', () => {
  it('keeps an hour of samples and windows them', () => {
    let samples = [{ t: 0, v: 1 }];
    samples = appendSample(samples, { t: 3601, v: 2 });
    expect(samples).toEqual([{ t: 3601, v: 2 }]);
    samples = appendSample(samples, { t: 3700, v: 3 });
    expect(inWindow(samples, '1h', 7250)).toEqual([{ t: 3700, v: 3 }]);
  });
  it('continues the engine history with live samples after its last point', () => {
    const merged = mergeHistory(
      [{ at: '1970-01-01T00:01:00Z', hashrate: 10 }],
      [
        { t: 30, v: 1 },
        { t: 61, v: 20 },
      ],
    );
    expect(merged).toEqual([
      { t: 60, v: 10 },
      { t: 61, v: 20 },
    ]);
  });
  it('turns share, quote and proof events into one stream, newest first', () => {
    const share = {
      shareId: 7,
      at: '',
      minerId: 'm',
      worker: 'gamma',
      verdict: 'accepted',
      reason: null,
      difficulty: 1,
      shareDifficulty: 2048,
      headerHash: 'ab'.repeat(32),
      latencyMs: 4,
      upstream: 'u',
    } as const;
    const events = [
      { type: 'mining.share', share: { ...share, verdict: 'awaiting' } },
      { type: 'mining.share', share },
      { type: 'mining.quote', minerId: 'm', worker: 'gamma', quoteId: 'q1', amount: 8, upstream: 'u' },
      { type: 'wallet.proof', mint: 'http://mint', unit: 'hash', quoteId: 'q1', amount: 8 },
      { type: 'log', record: { time: '', level: 'info', scope: 's', message: 'm' } },
    ] as ApiEvent[];
    const lines = streamLines(events);
    expect(lines.map((l) => l.kind)).toEqual(['proof', 'quote', 'share']);
    expect(lines[2]!.text).toMatch(/share accepted from gamma, difficulty 2.05k/);
    expect(lines[0]!.text).toMatch(/8 hash/);
  });
});

describe('notifications', () => {
  it('maps alerts to the notification switches', () => {
    const base = { id: '1', severity: 'warning', title: 't', message: 'm', at: '' } as const;
    expect(alertCategory({ ...base, source: 'device', kind: 'device-offline' })).toBe('offline');
    expect(alertCategory({ ...base, source: 'device', kind: 'hashrate-drop' })).toBe('hashrateDrop');
    expect(alertCategory({ ...base, source: 'device', kind: 'overheat' })).toBe('overheat');
    expect(alertCategory({ ...base, source: 'upstream', kind: 'down' })).toBe('upstreamDown');
    expect(alertCategory({ ...base, source: 'backup', kind: 'relay-failing' })).toBe('backupFailing');
    expect(alertCategory({ ...base, source: 'device', kind: 'new-best-difficulty' })).toBeUndefined();
  });
});

describe('upstream state words', () => {
  const pool = { url: 'stratum2+tcp://pool.example:34254/KEY', priority: 0 };
  it('says "pool unreachable" when every configured pool is down and none is in use, "none configured" only for an empty list', () => {
    expect(upstreamStateName({ state: 'down', url: null, upstreams: [pool] } as never)).toBe('pool unreachable (retrying)');
    expect(upstreamStateName({ state: 'down', url: null, upstreams: [pool, pool] } as never)).toBe('no pool reachable (all 2 down, retrying)');
    expect(upstreamStateName({ state: 'none', url: null, upstreams: [] } as never)).toBe('none configured');
    expect(upstreamStateName({ state: 'down', url: pool.url, upstreams: [pool] } as never)).toBe('down');
  });
});
