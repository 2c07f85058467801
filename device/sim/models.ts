/** The Bitaxe models and firmware versions the simulator can be (research/bitaxe.md, fixtures/axeos). */

export type SimModel = 'gamma' | 'supra' | 'ultra' | 'hex';
export type SimFirmware = 'v2.9' | 'v2.14' | 'v2.15';

export interface ModelSpec {
  deviceModel: string;
  asicModel: string;
  boardVersion: string;
  asicCount: number;
  smallCoreCount: number;
  /** GH/s at the default frequency */
  expectedHashrate: number;
  defaultFrequency: number;
  frequencyOptions: number[];
  defaultVoltage: number;
  voltageOptions: number[];
  /** W at the default settings */
  power: number;
  maxPower: number;
  swarmColor: string;
  display: string;
  hashDomains: number;
}

export const MODELS: Record<SimModel, ModelSpec> = {
  gamma: {
    deviceModel: 'Gamma',
    asicModel: 'BM1370',
    boardVersion: '601',
    asicCount: 1,
    smallCoreCount: 2040,
    expectedHashrate: 1071,
    defaultFrequency: 525,
    frequencyOptions: [400, 490, 525, 550, 600, 625],
    defaultVoltage: 1150,
    voltageOptions: [1000, 1060, 1100, 1150, 1200, 1250],
    power: 17.8,
    maxPower: 40,
    swarmColor: 'purple',
    display: 'SSD1306 (128x32)',
    hashDomains: 4,
  },
  supra: {
    deviceModel: 'Supra',
    asicModel: 'BM1368',
    boardVersion: '401',
    asicCount: 1,
    smallCoreCount: 1276,
    expectedHashrate: 625,
    defaultFrequency: 490,
    frequencyOptions: [400, 425, 450, 475, 485, 490, 500, 525, 550, 575],
    defaultVoltage: 1166,
    voltageOptions: [1100, 1150, 1166, 1200, 1250, 1300],
    power: 14.1,
    maxPower: 40,
    swarmColor: 'blue',
    display: 'SSD1306 (128x32)',
    hashDomains: 4,
  },
  ultra: {
    deviceModel: 'Ultra',
    asicModel: 'BM1366',
    boardVersion: '204',
    asicCount: 1,
    smallCoreCount: 894,
    expectedHashrate: 434,
    defaultFrequency: 485,
    frequencyOptions: [400, 425, 450, 475, 485, 500, 525, 550, 575],
    defaultVoltage: 1200,
    voltageOptions: [1100, 1150, 1200, 1250, 1300],
    power: 11.7,
    maxPower: 25,
    swarmColor: 'orange',
    display: 'SSD1306 (128x32)',
    hashDomains: 4,
  },
  hex: {
    deviceModel: 'Hex',
    asicModel: 'BM1366',
    boardVersion: '302',
    asicCount: 6,
    smallCoreCount: 894,
    expectedHashrate: 2600,
    defaultFrequency: 485,
    frequencyOptions: [400, 425, 450, 475, 485, 500, 525, 550, 575],
    defaultVoltage: 1200,
    voltageOptions: [1100, 1150, 1200, 1250, 1300],
    power: 68,
    maxPower: 100,
    swarmColor: 'red',
    display: 'SSD1306 (128x32)',
    hashDomains: 4,
  },
};

export const FIRMWARE_VERSIONS: Record<SimFirmware, string> = { 'v2.9': 'v2.9.0', 'v2.14': 'v2.14.2', 'v2.15': 'v2.15.0' };

export function isSimModel(value: string): value is SimModel {
  return Object.hasOwn(MODELS, value);
}

export function isSimFirmware(value: string): value is SimFirmware {
  return Object.hasOwn(FIRMWARE_VERSIONS, value);
}
