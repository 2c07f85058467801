/** What the dashboard draws from the engine's data: chart series and the share -> quote -> proof stream. */
import type { ApiEvent } from '../../core/api/contract';
import { formatMs, formatSi } from './format';
import type { Sample } from './series';
import type { MiningView } from './shapes';

export function toChartData(samples: Sample[]): [number[], number[]] {
  return [samples.map((s) => s.t), samples.map((s) => s.v)];
}

/** The engine keeps a point a minute across restarts; this page adds its own 1 Hz samples after the last one. */
export function mergeHistory(history: MiningView['hashrateHistory'] | undefined, live: Sample[]): Sample[] {
  const past = (history ?? []).map((p) => ({ t: Date.parse(p.at) / 1000, v: p.hashrate }));
  const lastPast = past.at(-1)?.t ?? 0;
  return [...past, ...live.filter((s) => s.t > lastPast)];
}

interface StreamLine {
  key: string;
  kind: 'share' | 'quote' | 'proof';
  text: string;
  bad?: boolean;
}

/** One line per step of the share -> quote -> proof pipeline, newest first. */
export function streamLines(events: ApiEvent[], limit = 40): StreamLine[] {
  const lines: StreamLine[] = [];
  for (let i = events.length - 1; i >= 0 && lines.length < limit; i--) {
    const e = events[i]!;
    if (e.type === 'mining.share' && e.share.verdict !== 'awaiting') {
      const s = e.share;
      lines.push({
        key: `s${s.shareId}-${s.verdict}`,
        kind: 'share',
        bad: s.verdict === 'rejected',
        text: `share ${s.verdict}${s.reason ? ` (${s.reason})` : ''} from ${s.worker}, difficulty ${formatSi(s.shareDifficulty)}${s.latencyMs !== null ? `, ${formatMs(s.latencyMs)}` : ''} · ${s.headerHash.slice(0, 12)}…`,
      });
    } else if (e.type === 'mining.quote') {
      lines.push({
        key: `q${e.quoteId}-${i}`,
        kind: 'quote',
        bad: !!e.error,
        text: e.error ? `quote failed for ${e.worker}: ${e.error.message}` : `quote ${e.quoteId.slice(0, 12)}… for ${e.worker}: ${formatSi(e.amount)}`,
      });
    } else if (e.type === 'wallet.proof') {
      lines.push({ key: `p${e.quoteId}-${i}`, kind: 'proof', text: `proof minted: ${formatSi(e.amount)} ${e.unit} from quote ${e.quoteId.slice(0, 12)}…` });
    }
  }
  return lines;
}
