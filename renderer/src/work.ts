/** Amounts a miner understands: ehash as the hashes it stands for and the time their own miners need for them. */
import { formatDuration, formatScientific } from './format';
import type { DeviceView } from './shapes';

/** The Bitaxe family by its ASIC (AxeOS reports the chip, not the marketing name). */
const models: Record<string, string> = { BM1397: 'Bitaxe Max', BM1366: 'Bitaxe Ultra', BM1368: 'Bitaxe Supra', BM1370: 'Bitaxe Gamma' };

export function bitaxeModel(asicModel: string): string {
  return models[asicModel.toUpperCase()] ?? `miner (${asicModel || 'unknown chip'})`;
}

/** "your Bitaxe Gamma", "your 3 miners", or undefined when none mines through Axewallet. */
export function yourMiners(devices: readonly Pick<DeviceView, 'asicModel' | 'viaAxewallet'>[], connectedMiners: number): string | undefined {
  const mining = devices.filter((d) => d.viaAxewallet);
  if (mining.length === 1 && connectedMiners <= 1) return `your ${bitaxeModel(mining[0]!.asicModel)}`;
  const count = Math.max(mining.length, connectedMiners);
  if (count === 0) return undefined;
  return count === 1 ? 'your miner' : `your ${count} miners`;
}

/** "= 6.3 × 10¹² hashes, about 5 min of your Bitaxe Gamma" (the time part only while something hashes). */
export function workExplanation(expectedWork: number | string | bigint, hashesPerSecond: number, who: string | undefined): string {
  const hashes = Number(expectedWork);
  const base = `= ${formatScientific(hashes)} hashes`;
  if (!who || !(hashesPerSecond > 0)) return base;
  return `${base}, ${formatDuration(hashes / hashesPerSecond)} of ${who}`;
}
