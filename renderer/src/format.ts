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
