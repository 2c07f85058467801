/** The Bitaxe simulator: the library call, the CLI, and the small Sv1 pool its tests mine on. */
export { parseSimArgs, runSimCli } from './cli';
export { FIRMWARE_VERSIONS, MODELS, type SimFirmware, type SimModel } from './models';
export { type Simulator, type SimulatorOptions, startSimulator } from './simulator';
export { type TestPool, type TestPoolMiner, startTestPool } from './test-pool';
