/**
 * `axewallet sim [--model gamma] [--firmware v2.15] [--host 127.0.0.2] [--pool HOST:PORT] [--suggested-difficulty N] [--hashes-per-second N] [--patched | --usb]`
 * `--usb`: a stock unit whose settings live in flash NVS and whose serial pty reaches its ROM boot loader.
 */
import { parseArgs } from 'node:util';
import { isSimFirmware, isSimModel } from './models';
import { type Simulator, type SimulatorOptions, startSimulator } from './simulator';

export class SimUsageError extends Error {
  readonly code = 'ERR_PARSE_ARGS_SIM';
}

export function parseSimArgs(argv: string[]): SimulatorOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      model: { type: 'string' },
      firmware: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      pool: { type: 'string' },
      patched: { type: 'boolean' },
      usb: { type: 'boolean' },
      'no-serial': { type: 'boolean' },
      'suggested-difficulty': { type: 'string' },
      'hashes-per-second': { type: 'string' },
    },
  });
  const opts: SimulatorOptions = { serial: !values['no-serial'], patched: values.patched ?? false };
  if (values.usb) {
    if (values.patched) throw new SimUsageError('--usb is a stock unit: leave out --patched');
    opts.usb = {};
  }
  if (values.model !== undefined) {
    const model = values.model.toLowerCase();
    if (!isSimModel(model)) throw new SimUsageError(`unknown model "${values.model}" (gamma, supra, ultra, hex)`);
    opts.model = model;
  }
  if (values.firmware !== undefined) {
    const short = values.firmware.replace(/^v?(\d+\.\d+).*$/, 'v$1');
    if (!isSimFirmware(short)) throw new SimUsageError(`unknown firmware "${values.firmware}" (v2.9, v2.14, v2.15)`);
    opts.firmware = short;
  }
  if (values.host !== undefined) {
    if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(values.host)) throw new SimUsageError('the simulator only binds loopback addresses (127.x.x.x)');
    opts.host = values.host;
  }
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new SimUsageError(`--port wants a port number, got "${values.port}"`);
    opts.httpPort = port;
  }
  if (values.pool !== undefined) {
    const match = /^(.+):(\d{1,5})$/.exec(values.pool);
    if (!match?.[1]) throw new SimUsageError(`--pool wants HOST:PORT, got "${values.pool}"`);
    opts.pool = { host: match[1], port: Number(match[2]) };
  }
  if (values['suggested-difficulty'] !== undefined) {
    // the firmware keeps it as uint16; 0 means it sends no mining.suggest_difficulty at all
    const suggested = Number(values['suggested-difficulty']);
    if (!Number.isInteger(suggested) || suggested < 0 || suggested > 65535) throw new SimUsageError(`--suggested-difficulty wants 0-65535, got "${values['suggested-difficulty']}"`);
    if (!opts.pool) throw new SimUsageError('--suggested-difficulty goes with --pool');
    opts.pool.suggestedDifficulty = suggested;
  }
  if (values['hashes-per-second'] !== undefined) {
    const rate = Number(values['hashes-per-second']);
    if (!Number.isInteger(rate) || rate < 1 || rate > 10_000_000) throw new SimUsageError(`--hashes-per-second wants 1-10000000, got "${values['hashes-per-second']}"`);
    opts.hashesPerSecond = rate;
  }
  return opts;
}

/** Runs one simulator until SIGINT/SIGTERM; prints one JSON line when ready. */
export async function runSimCli(argv: string[]): Promise<Simulator> {
  const sim = await startSimulator(parseSimArgs(argv));
  process.stdout.write(`${JSON.stringify({ event: 'ready', http: sim.http, serial: sim.serial ?? null, mac: sim.mac })}\n`);
  const shutdown = () => {
    void sim.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  return sim;
}
