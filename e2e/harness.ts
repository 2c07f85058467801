/**
 * The e2e harness: a real `axewallet serve` child process per instance, Debian Chromium through playwright-core,
 * screenshots of every step under test-output/e2e/. Journeys are plain async functions that throw on failure.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const repoRoot = resolve(import.meta.dirname, '..');
export const outputDir = join(repoRoot, 'test-output', 'e2e');

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.AXEWALLET_CHROMIUM ?? '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}

export interface ServeReady {
  event: 'ready';
  url: string;
  api: string;
  token: string;
  stratum?: { host: string; port: number };
}

export interface ServeInstance extends ServeReady {
  home: string;
  logText(): string;
  /** calls the API the way a script would (bearer token), for checks the UI does not show */
  api_call<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
  /** stops and removes its home dir */
  dispose(): Promise<void>;
}

export interface ServeOptions {
  name: string;
  demo?: boolean;
  home?: string;
  extraArgs?: string[];
  readyTimeoutMs?: number;
  /** saved settings the instance starts with (a fresh home only) */
  settings?: Record<string, unknown>;
}

export interface CliProcess<R> {
  ready: R;
  /** everything it wrote to stderr so far (its log) */
  logText(): string;
  pid: number;
  /** sends a signal (SIGSTOP / SIGCONT freeze and thaw the process: a hung peer) */
  signal(signal: NodeJS.Signals): void;
  stop(): Promise<void>;
}

/** Runs `node bin/axewallet.mjs <args>` and waits for the one JSON ready line it prints; stderr goes to <name>.log. */
export async function startCli<R extends { event: 'ready' }>(name: string, args: string[], env: Record<string, string> = {}, readyTimeoutMs = 60_000): Promise<CliProcess<R>> {
  mkdirSync(outputDir, { recursive: true });
  const child: ChildProcess = spawn(process.execPath, [join(repoRoot, 'bin', 'axewallet.mjs'), ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const log = createWriteStream(join(outputDir, `${name}.log`), { flags: 'a' });
  child.stderr!.pipe(log);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const ready = await new Promise<R>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`${name} printed no ready line within ${readyTimeoutMs} ms; see ${name}.log`)), readyTimeoutMs);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      log.write(`[stdout] ${line.replace(/token=[^"&\s]+/g, 'token=…').replace(/"token":"[^"]+"/, '"token":"…"')}\n`);
      try {
        const parsed = JSON.parse(line) as R;
        if (parsed.event === 'ready') {
          clearTimeout(timer);
          done(parsed);
        }
      } catch {
        // only the ready line is JSON; anything else is kept in the log
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`${name} exited with code ${code} before it was ready; see ${name}.log`));
    });
  });
  let stopped = false;
  const logPath = join(outputDir, `${name}.log`);
  return {
    ready,
    logText: () => readFileSync(logPath, 'utf8'),
    pid: child.pid!,
    signal: (signal) => child.kill(signal),
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(killer);
      }
      log.end();
    },
  };
}

/** Starts `axewallet serve --home <tmp> --port 0 [--demo]` and waits for its ready line. */
export async function startServe(opts: ServeOptions): Promise<ServeInstance> {
  const home = opts.home ?? mkdtempSync(join(tmpdir(), `axewallet-e2e-${opts.name}-`));
  // tests bind loopback only: the Stratum port (normally the one LAN-facing service) too
  if (!opts.home) writeFileSync(join(home, 'settings.json'), `${JSON.stringify({ stratumHost: '127.0.0.1', ...opts.settings })}\n`);
  // every instance gets its own free Stratum port: several run at once
  const args = ['serve', '--home', home, '--port', '0', '--stratum-port', '0', ...(opts.demo ? ['--demo'] : []), ...(opts.extraArgs ?? [])];
  const cli = await startCli<ServeReady>(`${opts.name}-serve`, args, { AXEWALLET_HOME: home }, opts.readyTimeoutMs);
  const ready = cli.ready;
  return {
    ...ready,
    home,
    logText: cli.logText,
    async api_call<T>(method: string, path: string, body?: unknown) {
      const response = await fetch(`${ready.api}${path}`, {
        method,
        headers: { authorization: `Bearer ${ready.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json().catch(() => undefined)) as T };
    },
    stop: () => cli.stop(),
    async dispose() {
      await cli.stop();
      if (!opts.home) rmSync(home, { recursive: true, force: true });
    },
  };
}

export interface DevnetReady {
  event: 'ready';
  pool: { sv2: string; sv1: string; authorityPubkey: string };
  mint: string;
  relay: string;
}

/** `axewallet devnet --home <tmp>` as its own process, so a journey can freeze its pool like a hung upstream. */
export async function startDevnet(name: string, extraArgs: string[] = []): Promise<CliProcess<DevnetReady> & { dispose(): Promise<void> }> {
  const home = mkdtempSync(join(tmpdir(), `axewallet-e2e-${name}-`));
  const cli = await startCli<DevnetReady>(name, ['devnet', '--home', home, ...extraArgs]);
  return {
    ...cli,
    async dispose() {
      await cli.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export interface SimReady {
  event: 'ready';
  http: string;
  serial: string | null;
  mac: string;
}

export interface JourneyContext {
  browser: Browser;
  /** a fresh page in its own context, with console errors and CSP violations collected */
  openPage(url: string): Promise<{ page: Page; context: BrowserContext; problems: string[] }>;
  /** saves test-output/e2e/<journey>-<NN>-<step>.png */
  shot(page: Page, step: string): Promise<string>;
  step(title: string): void;
  /** runs when this journey ends */
  cleanup(fn: () => Promise<void> | void): void;
  /** runs when the whole suite ends: for instances a later journey uses (journey 2 restores from journey 1's relay) */
  suiteCleanup(fn: () => Promise<void> | void): void;
}

export interface Journey {
  name: string;
  title: string;
  run(ctx: JourneyContext): Promise<void>;
}

export function expect(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** Polls until fn returns a truthy value, then returns it; fails with the message after timeoutMs. */
export async function waitFor<T>(fn: () => Promise<T> | T, message: string, timeoutMs = 30_000, everyMs = 250): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`${message} (waited ${timeoutMs} ms${last ? `; last error: ${(last as Error).message}` : ''})`);
}

/** Thrown when a journey cannot run because a backend piece is missing; the runner fails it, naming the piece. */
export class Blocked extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'Blocked';
  }
}

/**
 * The engine answers 503 "unavailable" for a command whose service is not wired in yet. A journey that needs
 * those services says so up front instead of failing somewhere in the middle.
 */
export async function requireServices(serve: ServeInstance, paths: string[]): Promise<void> {
  const missing: string[] = [];
  for (const path of paths) {
    const answer = await serve.api_call<{ error?: { code: string; message: string } }>('GET', path);
    if (answer.status === 503 && answer.body?.error?.code === 'unavailable') missing.push(`GET ${path} (${answer.body.error.message})`);
  }
  if (missing.length > 0) throw new Blocked(`the engine does not serve ${missing.join(', ')} yet`);
}
