/** Runs testing/crash-child.ts as a child process and follows what it prints. */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export interface WalletChild {
  child: ChildProcess;
  exited: Promise<NodeJS.Signals | number | null>;
  idle: Promise<void>;
  ready: Promise<void>;
  /** the proxy's Stratum port, once printed */
  port: () => number | undefined;
}

/** Every child still running, so a test's afterAll can end them. */
export const walletChildren = new Set<ChildProcess>();

export function runWalletChild(env: Record<string, string>): WalletChild {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'crash-child.ts')], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  walletChildren.add(child);
  let output = '';
  let onIdle: () => void = () => undefined;
  let onReady: () => void = () => undefined;
  const idle = new Promise<void>((resolve) => (onIdle = resolve));
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (output.includes('ready')) onReady();
    if (output.includes('idle')) onIdle();
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => {
      walletChildren.delete(child);
      onReady();
      resolve(signal ?? code);
    }),
  );
  const port = () => {
    const match = /port (\d+)/.exec(output);
    return match ? Number(match[1]) : undefined;
  };
  return { child, exited, idle, ready, port };
}
