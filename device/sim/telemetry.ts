/**
 * One second of the simulated device's physics, as its 1 s sampler sees it: hashrate near the model's expected rate
 * with the 1 m / 10 m / 1 h averages easing towards it, temperature and fan from the thermal model, power, total
 * hashes, and a row of /api/system/statistics when statsFrequency asks for one.
 */
import type { SimRuntime } from './info';
import type { ModelSpec } from './models';
import { thermalStep } from './thermal';

const KEPT_STATISTICS = 720;

/** Moves `rt` on by one second; true when the chip just overheated. */
export function telemetryTick(rt: SimRuntime, model: ModelSpec, mining: boolean, statistics: number[][], uptimeMs: number): boolean {
  const { settings } = rt;
  const noise = 1 + (Math.random() - 0.5) * 0.04;
  rt.hashrate = mining ? Math.round(model.expectedHashrate * 1.05 * noise * 100) / 100 : 0;
  const ease = (current: number, k: number) => Math.round((current + (rt.hashrate - current) * k) * 100) / 100;
  rt.hashrate1m = ease(rt.hashrate1m, 0.3);
  rt.hashrate10m = ease(rt.hashrate10m, 0.1);
  rt.hashrate1h = ease(rt.hashrate1h, 0.02);
  const manualFan = Number(settings.manualFanSpeed ?? settings.fanspeed ?? 100);
  const heat = thermalStep({ mining, autoFan: settings.autofanspeed === 1, manualFanPercent: manualFan, tempTarget: settings.temptarget, temperature: rt.temperature, jitter: Math.random() });
  rt.temperature = heat.temperature;
  rt.vrTemperature = Math.round(rt.temperature - 9);
  rt.power = Math.round((mining ? model.power * noise : 3.2) * 100) / 100;
  rt.fanPercent = heat.fanPercent;
  rt.fanRpm = Math.round(heat.fanPercent * 85 + Math.random() * 40);
  rt.totalHashes += rt.hashrate * 1e9;
  if (settings.statsFrequency > 0 && rt.uptimeSeconds % settings.statsFrequency === 0) {
    statistics.push([
      rt.hashrate,
      rt.hashrate1m,
      rt.hashrate10m,
      rt.hashrate1h,
      0.21,
      rt.temperature,
      -1,
      rt.vrTemperature,
      settings.coreVoltage,
      5109,
      rt.power,
      3468,
      rt.fanPercent,
      rt.fanRpm,
      0,
      -57,
      8123456,
      rt.responseTime,
      uptimeMs,
    ]);
    if (statistics.length > KEPT_STATISTICS) statistics.shift();
  }
  return heat.overheat;
}
