/**
 * How hot the simulated ASIC runs, as ESP-Miner's fan and power tasks make it (main/tasks/power_management_task.c
 * and fan_controller_task.c at 5c277131): with auto fan the fan holds the chip near its target; with a manual
 * fan the chip settles where that airflow leaves it; above THROTTLE_TEMP (75 °C) the firmware enters overheat
 * mode: mining stops, the fan goes to 100 % manual, and overheat_mode stays set until the user clears it.
 */
export const THROTTLE_TEMP = 75;

export interface ThermalInput {
  mining: boolean;
  autoFan: boolean;
  /** 0..100 */
  manualFanPercent: number;
  /** °C the auto fan aims for */
  tempTarget: number;
  /** this tick's current temperature */
  temperature: number;
  /** 0..1, for the small wobble a real sensor shows */
  jitter: number;
}

export interface ThermalState {
  temperature: number;
  fanPercent: number;
  /** the chip passed THROTTLE_TEMP: the firmware stops mining */
  overheat: boolean;
}

const IDLE_CELSIUS = 42;

export function thermalStep(input: ThermalInput): ThermalState {
  const quarter = (value: number) => Math.round(value * 4) / 4;
  if (input.autoFan) {
    // the auto fan keeps a mining chip just under its target; an idle chip runs cool at a low fan
    const temperature = quarter(input.mining ? Math.min(input.tempTarget, 60) - 2 + input.jitter * 2 : IDLE_CELSIUS + input.jitter);
    return { temperature, fanPercent: input.mining ? 47 : 35, overheat: false };
  }
  // a manual fan: 100 % leaves a mining Gamma near 44 °C, each percent less about 0.4 °C more; the chip moves a third of the way each second
  const settled = input.mining ? 44 + (100 - input.manualFanPercent) * 0.4 : IDLE_CELSIUS;
  const temperature = quarter(input.temperature + (settled - input.temperature) / 3 + (input.jitter - 0.5) * 0.5);
  return { temperature, fanPercent: input.manualFanPercent, overheat: input.mining && temperature > THROTTLE_TEMP };
}
