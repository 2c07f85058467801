/** Rolling time series kept by the page while it is open: samples of a number at wall-clock seconds. */
export interface Sample {
  t: number;
  v: number;
}

/** the chart ranges the dashboard offers */
export const windows = { '1h': 3600, '24h': 86_400, '7d': 604_800 } as const;
export type WindowName = keyof typeof windows;

export function appendSample(samples: Sample[], sample: Sample, keepSeconds = windows['1h']): Sample[] {
  const cutoff = sample.t - keepSeconds;
  const kept = samples.length > 0 && samples[0]!.t < cutoff ? samples.filter((s) => s.t >= cutoff) : samples;
  return [...kept, sample];
}

export function inWindow(samples: Sample[], window: WindowName, now = Date.now() / 1000): Sample[] {
  const cutoff = now - windows[window];
  return samples.filter((s) => s.t >= cutoff);
}
