/** The Bitaxe simulator: the library call and the CLI. */
export { parseSimArgs, runSimCli } from './cli';
export { FIRMWARE_VERSIONS, MODELS, type SimFirmware, type SimModel } from './models';
export { type Simulator, type SimulatorOptions, startSimulator } from './simulator';
