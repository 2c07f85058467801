/** How numbers read in the UI: SI suffixes for amounts and work, H/s for hashrate, short relative times. */
const SI = ['', 'k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];

/** 1234567 -> "1.23M"; exact below 1000. Accepts the API's amounts (number or decimal string). */
export function formatSi(value: number | string | bigint, digits = 3): string {
  let v = Number(value);
  if (!Number.isFinite(v)) return String(value);
  if (v !== 0 && Math.abs(v) < 1) return String(Number(v.toPrecision(digits)));
  if (Math.abs(v) < 1000) return String(Math.round(v * 100) / 100);
  let i = 0;
  while (Math.abs(v) >= 1000 && i < SI.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(digits))}${SI[i]}`;
}

export function formatHashrate(hashesPerSecond: number | null | undefined): string {
  if (hashesPerSecond === null || hashesPerSecond === undefined || !Number.isFinite(hashesPerSecond)) return '—';
  return `${formatSi(hashesPerSecond)}H/s`;
}

export function formatAgo(iso: string | number | null | undefined, now = Date.now()): string {
  if (iso === null || iso === undefined) return 'never';
  const t = typeof iso === 'number' ? iso : Date.parse(iso);
  if (!Number.isFinite(t)) return 'unknown';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/** 6291456 -> "6,291,456": the exact figure behind a rounded one (amounts reach 2^63: kept as bigint). */
export function formatExact(value: number | string | bigint): string {
  try {
    return BigInt(value).toLocaleString('en-US');
  } catch {
    return String(value);
  }
}

const SUPERSCRIPT = '⁰¹²³⁴⁵⁶⁷⁸⁹';

/** 6.29e12 -> "6.3 × 10¹²": a count of hashes as a miner reads it; plain below a million. */
export function formatScientific(value: number | bigint): string {
  const v = Number(value);
  if (!Number.isFinite(v)) return String(value);
  if (Math.abs(v) < 1e6) return formatExact(Math.round(v));
  const exponent = Math.floor(Math.log10(Math.abs(v)));
  const mantissa = Number((v / 10 ** exponent).toFixed(1));
  const digits = [...String(exponent)].map((d) => SUPERSCRIPT[Number(d)]).join('');
  return `${mantissa} × 10${digits}`;
}

/** 312 -> "about 5 min": how long something takes, rounded the way people say it. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 1) return 'under a second';
  if (seconds < 90) return `about ${Math.round(seconds)} s`;
  if (seconds < 5400) return `about ${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `about ${Number((seconds / 3600).toFixed(1))} h`;
  return `about ${Math.round(seconds / 86_400)} days`;
}

const MULTIPLIERS: Record<string, number> = { '': 0, k: 3, m: 6, g: 9, t: 12, p: 15, e: 18 };

/**
 * What a person types as an amount, as the UI shows amounts: "1M", "2.5k", "1,000,000", "1 000". Returns the exact
 * whole amount, or a sentence saying what is wrong.
 */
export function parseAmount(text: string): bigint | string {
  const cleaned = text.trim().replace(/[\s,_]/g, '');
  const match = /^(\d*)(?:\.(\d*))?([kmgtpe]?)$/i.exec(cleaned);
  if (!cleaned || !match || (match[1] === '' && !match[2])) return 'Enter an amount such as 1000, 250k or 1.5M.';
  const [, whole = '', fraction = '', suffix = ''] = match;
  const exponent = MULTIPLIERS[suffix.toLowerCase()]!;
  if (fraction.replace(/0+$/, '').length > exponent) return `${text.trim()} is not a whole amount: ehash cannot be split below 1.`;
  const digits = `${whole}${fraction.padEnd(exponent, '0')}`.replace(/^0+(?=\d)/, '');
  const value = BigInt(digits || '0');
  if (value === 0n) return 'Enter an amount above 0.';
  if (value >= 2n ** 64n) return 'That is more than any wallet can hold.';
  return value;
}
