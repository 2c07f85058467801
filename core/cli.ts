/**
 * `axewallet <command>`: serve (headless engine + UI), devnet (the reference upstream), sim (a simulated Bitaxe).
 * Each prints exactly one JSON line on stdout when ready; everything else goes to stderr.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseUpstreamUrl, UpstreamUrlError } from './api/upstream-url';
import { startEngine } from './app';
import { type Logger, logStrayRejections } from '../lib/log';
import { apiTokenForStart, defaultHomeDir, ensureHome } from './config/home';
import { installPlatformCrypto } from '../lib/platform';
import { startApiServer } from './server/server';
import { VERSION } from './version';

const USAGE = `Usage:
  axewallet serve [--home DIR] [--port N] [--demo] [--upstream URL]... [--stratum-port N] [--mint URL] [--relay URL]... [--miner-hashrate H/s] [--usb-port PATH]...
  axewallet devnet [--home DIR]
  axewallet sim [--model gamma] [--firmware v2.15] [--host 127.0.0.2] [--pool HOST:PORT] [--suggested-difficulty N] [--hashes-per-second N] [--patched | --usb]
  axewallet --version`;

export class UsageError extends Error {}

function portFlag(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--${name} must be a port number from 0 to 65535, got "${value}"`);
  return n;
}

export async function serve(argv: string[]): Promise<{ stop(): Promise<void>; logger: Logger }> {
  const { values } = parseArgs({
    args: argv,
    options: {
      home: { type: 'string' },
      port: { type: 'string' },
      demo: { type: 'boolean', default: false },
      upstream: { type: 'string', multiple: true },
      'stratum-port': { type: 'string' },
      mint: { type: 'string' },
      relay: { type: 'string', multiple: true },
      'miner-hashrate': { type: 'string' },
      'usb-port': { type: 'string', multiple: true },
    },
    strict: true,
  });
  const home = ensureHome(resolve(values.home ?? defaultHomeDir()));
  for (const url of values.upstream ?? []) {
    try {
      parseUpstreamUrl(url);
    } catch (error) {
      if (error instanceof UpstreamUrlError) throw new UsageError(`--upstream ${url}: ${error.message}`);
      throw error;
    }
  }
  for (const url of values.relay ?? []) {
    if (!/^wss?:\/\/\S+$/.test(url)) throw new UsageError(`--relay ${url}: a relay address starts with ws:// or wss://`);
  }
  const overrides: Parameters<typeof startEngine>[0]['overrides'] = {};
  if (values.upstream?.length) overrides.upstreams = values.upstream.map((url) => ({ url }));
  if (values['stratum-port'] !== undefined) overrides.stratumPort = portFlag(values['stratum-port'], 'stratum-port');
  if (values.mint) overrides.mintUrl = values.mint;
  if (values.relay?.length) overrides.relays = values.relay;

  let nominalHashrate: number | undefined;
  if (values['miner-hashrate'] !== undefined) {
    nominalHashrate = Number(values['miner-hashrate']);
    if (!(nominalHashrate > 0) || !Number.isFinite(nominalHashrate)) throw new UsageError(`--miner-hashrate wants hashes per second, got "${values['miner-hashrate']}"`);
  }
  const usbPorts = (values['usb-port'] ?? []).map((path) => resolve(path));
  const engine = await startEngine({ home, mode: 'headless', demo: values.demo, overrides, ...(nominalHashrate ? { nominalHashrate } : {}), ...(usbPorts.length ? { usbPorts } : {}) });
  const token = apiTokenForStart(home, engine.settings.get().stableApiToken);
  const server = await startApiServer({
    host: engine.host,
    token,
    port: values.port === undefined ? 0 : portFlag(values.port, 'port'),
    version: VERSION,
    logger: engine.logger.child('server'),
    staticDir: resolve(new URL('../renderer/dist', import.meta.url).pathname),
    observe: engine.observe,
  });
  const status = engine.status();
  const ready: Record<string, unknown> = { event: 'ready', url: server.url, api: server.api, token };
  if (status.stratum) ready.stratum = status.stratum;
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  engine.logger.info(`headless mode: open ${server.url.replace(/token=.*/, 'token=…')} (full URL with token on stdout)`);
  return {
    logger: engine.logger,
    async stop() {
      await server.close();
      await engine.stop();
    },
  };
}

function stopOnSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = () => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  installPlatformCrypto();
  try {
    switch (command) {
      case 'serve': {
        const running = await serve(rest);
        logStrayRejections(running.logger);
        stopOnSignals(running.stop);
        return;
      }
      case 'devnet': {
        const { runDevnetCli } = await import('./demo');
        await runDevnetCli(rest);
        return;
      }
      case 'sim': {
        const { runSimCli } = await import('../device/sim/cli');
        await runSimCli(rest);
        return;
      }
      case '--version':
      case 'version':
        process.stdout.write(`${VERSION}\n`);
        return;
      case undefined:
      case '--help':
      case 'help':
        process.stdout.write(`${USAGE}\n`);
        return;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`axewallet: ${(error as Error).message}\n${USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(`axewallet: ${(error as Error).message}\n`);
    process.exit(1);
  }
}
