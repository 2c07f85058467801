/**
 * Setting up a stock Bitaxe over its USB cable (research/usb.md): boot loader, partition table,
 * NVS read, a copy saved in the home, merge, write, read back, reset into the firmware. Each step
 * reports progress. A write that the cable cut short leaves a "pending" copy: the next run on the
 * same chip starts from it, and `restore` writes it back as it was.
 */
import { createHash } from 'node:crypto';
import { FlashLink, FlashLinkError } from '../serial/flash-link';
import type { PortIdentity } from '../serial/web-serial';
import { type NvsBackup, type NvsBackups } from './backups';
import { formatEntry, nvsHealth, readNvs } from './nvs';
import { PARTITION_TABLE_LENGTH, PARTITION_TABLE_OFFSET, PartitionTableError, espMinerNvs, parsePartitionTable } from './partition-table';
import { type PoolSummary, type ProvisionSettings, ProvisionRefused, provisionImage } from './plan';

export type UsbStep = 'connect' | 'read' | 'backup' | 'merge' | 'write' | 'verify' | 'reset';

export interface UsbProgress {
  step: UsbStep;
  state: 'running' | 'done';
  message: string;
  /** bytes so far, for read and write */
  done?: number;
  total?: number;
}

export type UsbSetupErrorKind = 'port' | 'no-loader' | 'wrong-chip' | 'secure' | 'layout' | 'damaged' | 'refused' | 'interrupted' | 'verify' | 'lost';

export class UsbSetupError extends Error {
  constructor(
    readonly kind: UsbSetupErrorKind,
    message: string,
    readonly hint: string,
    /** a saved copy of this device's settings exists: "restore" can write it back */
    readonly backupId?: string,
  ) {
    super(message);
    this.name = 'UsbSetupError';
  }
}

export interface UsbSetupRequest {
  path: string;
  identity?: PortIdentity;
  backups: NvsBackups;
  onProgress?: (progress: UsbProgress) => void;
  onLog?: (line: string) => void;
  /** loader reset-and-sync rounds (esptool's default 7) */
  attempts?: number;
}

export interface UsbSetupResult {
  mac: string;
  backup: NvsBackup;
  /** NVS keys written */
  changes: string[];
  before: { primary?: PoolSummary; fallback?: PoolSummary };
  after: { primary?: PoolSummary; fallback?: PoolSummary };
  /** an interrupted earlier write was found and this run started from the copy saved then */
  resumedFrom?: string;
}

const md5 = (data: Uint8Array) => createHash('md5').update(data).digest('hex');
const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

interface Session {
  link: FlashLink;
  nvs: { offset: number; size: number };
  current: Uint8Array;
}

async function open(request: UsbSetupRequest, report: (p: UsbProgress) => void): Promise<Session> {
  report({ step: 'connect', state: 'running', message: `Resetting the Bitaxe on ${request.path} into its boot loader…` });
  let link: FlashLink;
  try {
    link = await FlashLink.open(request.path, { identity: request.identity, onLog: request.onLog, attempts: request.attempts });
  } catch (error) {
    if (error instanceof FlashLinkError) throw new UsbSetupError(error.kind, error.message, error.hint);
    throw error;
  }
  report({ step: 'connect', state: 'done', message: `Connected to the ESP32-S3 boot loader (MAC ${link.mac}).` });
  try {
    report({ step: 'read', state: 'running', message: 'Reading the partition table…' });
    let nvs: { offset: number; size: number };
    try {
      nvs = espMinerNvs(parsePartitionTable(await link.read(PARTITION_TABLE_OFFSET, PARTITION_TABLE_LENGTH)));
    } catch (error) {
      if (error instanceof PartitionTableError) {
        throw new UsbSetupError(
          'layout',
          `This Bitaxe's flash layout is unknown to Axewallet: ${error.message}.`,
          'Axewallet only writes to the layout of ESP-Miner (AxeOS); set this device up with its own tools. Nothing was written.',
        );
      }
      throw error;
    }
    report({ step: 'read', state: 'running', message: `Reading the settings (NVS at 0x${nvs.offset.toString(16)}, ${nvs.size / 1024} KiB)…`, done: 0, total: nvs.size });
    const current = await link.read(nvs.offset, nvs.size, (done, total) => report({ step: 'read', state: 'running', message: 'Reading the settings…', done, total }));
    report({ step: 'read', state: 'done', message: `Read ${nvs.size / 1024} KiB of settings.`, done: nvs.size, total: nvs.size });
    return { link, nvs, current };
  } catch (error) {
    await link.close();
    throw asSetupError(error);
  }
}

function asSetupError(error: unknown, backupId?: string): Error {
  if (error instanceof UsbSetupError) return error;
  if (error instanceof FlashLinkError) return new UsbSetupError(error.kind, error.message, error.hint, backupId);
  return error as Error;
}

/** Writes `image`, reads it back, and resets into the firmware. */
async function writeAndBoot(session: Session, image: Uint8Array, backup: NvsBackup, backups: NvsBackups, report: (p: UsbProgress) => void, finalState: 'written' | 'restored'): Promise<void> {
  const { link, nvs } = session;
  if (!sameBytes(image, session.current)) {
    report({ step: 'write', state: 'running', message: 'Writing the new settings…', done: 0, total: image.length });
    try {
      await link.write(nvs.offset, image, (done, total) => report({ step: 'write', state: 'running', message: 'Writing the new settings…', done, total }));
    } catch (error) {
      if (error instanceof FlashLinkError && error.kind === 'verify') return recover(session, backup, backups, report, finalState, error.message);
      if (error instanceof FlashLinkError && error.kind === 'lost') {
        throw new UsbSetupError(
          'interrupted',
          'The USB connection broke off while the settings were being written: the Bitaxe’s settings may be incomplete now.',
          'Plug the Bitaxe back in, then choose "Restore the saved copy" (writes back the settings it had before) or "Try again" (starts over from that copy).',
          backup.id,
        );
      }
      throw asSetupError(error, backup.id);
    }
    report({ step: 'write', state: 'done', message: `Wrote ${image.length / 1024} KiB; the chip’s MD5 matches.`, done: image.length, total: image.length });
  } else report({ step: 'write', state: 'done', message: 'The settings already match: nothing to write.' });

  report({ step: 'verify', state: 'running', message: 'Reading the settings back…' });
  const back = await link.read(nvs.offset, nvs.size);
  const health = nvsHealth(back);
  if (!sameBytes(back, image) || health.problems.length > 0) {
    return recover(session, backup, backups, report, finalState, `The settings read back differ from what was written${health.problems.length ? ` (${health.problems.join('; ')})` : ''}.`);
  }
  backups.update(backup.id, { state: finalState, writtenMd5: md5(back) });
  report({ step: 'verify', state: 'done', message: `Read back ${nvs.size / 1024} KiB: identical (MD5 ${md5(back).slice(0, 12)}…).` });

  report({ step: 'reset', state: 'running', message: 'Restarting the Bitaxe into its firmware…' });
  await link.resetToApp();
  report({ step: 'reset', state: 'done', message: 'The Bitaxe is restarting with its new settings.' });
}

/** A write that did not verify: the saved copy goes back at once, and the user hears which state the Bitaxe is in. */
async function recover(session: Session, backup: NvsBackup, backups: NvsBackups, report: (p: UsbProgress) => void, attempted: 'written' | 'restored', what: string): Promise<never> {
  let restored = false;
  if (attempted === 'written') {
    report({ step: 'verify', state: 'running', message: `${what} Writing the saved copy back…` });
    try {
      const original = backups.read(backup);
      await session.link.write(session.nvs.offset, original);
      restored = sameBytes(await session.link.read(session.nvs.offset, session.nvs.size), original);
      if (restored) backups.update(backup.id, { state: 'restored' });
    } catch {
      restored = false;
    }
  }
  throw new UsbSetupError(
    'verify',
    `${what} ${restored ? 'Axewallet wrote the saved copy back: the Bitaxe has its old settings.' : 'The saved copy could not be written back yet.'}`,
    restored ? 'Try again with another USB cable or port.' : 'Choose "Restore the saved copy"; if it fails again, try another cable or USB port.',
    backup.id,
  );
}

/** Merges `settings` into the Bitaxe's settings partition over USB. */
export async function setUpOverUsb(request: UsbSetupRequest & { settings: ProvisionSettings }): Promise<UsbSetupResult> {
  const report = (p: UsbProgress) => request.onProgress?.(p);
  const session = await open(request, report);
  const { link, current } = session;
  try {
    const pending = request.backups.pendingFor(link.mac);
    const interrupted = pending && pending.md5 !== md5(current) ? pending : undefined;
    let base = current;
    let backup: NvsBackup | undefined;
    if (interrupted) {
      base = request.backups.read(interrupted);
      backup = interrupted;
      report({ step: 'backup', state: 'done', message: `An earlier write to this Bitaxe (${interrupted.createdAt}) did not finish: starting from the copy saved then.` });
    } else if (pending) {
      // an earlier attempt stopped before it wrote anything: its copy is still the device's state
      backup = pending;
      report({ step: 'backup', state: 'done', message: `The copy saved ${pending.createdAt} still matches the Bitaxe.` });
    } else {
      const health = nvsHealth(current);
      const factory = readNvs(current).some((e) => e.namespace === 'main' && e.key === 'boardversion');
      if (health.problems.length > 0 || !factory) {
        const saved = request.backups.list(link.mac)[0];
        const what = health.problems.length > 0 ? `is damaged (${health.problems.join('; ')})` : 'has no factory data (board version)';
        throw new UsbSetupError(
          'damaged',
          `This Bitaxe's settings partition ${what}. Nothing was written.`,
          saved
            ? `Axewallet has a copy of this Bitaxe's settings from ${saved.createdAt}: choose "Restore the saved copy".`
            : 'Writing now could lose its factory data; reflash it with the Bitaxe web flasher and its factory file instead.',
          saved?.id,
        );
      }
    }

    report({ step: 'merge', state: 'running', message: 'Merging the new Wi-Fi and pool into the settings; factory data stays as it is…' });
    let plan: ReturnType<typeof provisionImage>;
    try {
      plan = provisionImage(base, request.settings);
    } catch (error) {
      if (error instanceof ProvisionRefused) throw new UsbSetupError('refused', error.message, 'Nothing was written to the Bitaxe.', backup?.id);
      throw error;
    }
    const factoryBefore = readNvs(base)
      .filter((e) => e.namespace !== 'main' || !plan.changes.includes(e.key))
      .map(formatEntry);
    const factoryAfter = readNvs(plan.image)
      .filter((e) => e.namespace !== 'main' || !plan.changes.includes(e.key))
      .map(formatEntry);
    if (factoryBefore.join('\n') !== factoryAfter.join('\n'))
      throw new UsbSetupError('refused', 'The merged settings would change data Axewallet did not mean to touch.', 'This is a bug in Axewallet; nothing was written. Please report it.', backup?.id);
    report({ step: 'merge', state: 'done', message: `Changing ${plan.changes.length} setting${plan.changes.length === 1 ? '' : 's'}: ${plan.changes.join(', ')}.` });

    if (!backup) {
      report({ step: 'backup', state: 'running', message: 'Saving a copy of the current settings in the Axewallet folder…' });
      backup = request.backups.save(link.mac, session.nvs.offset, current);
      report({ step: 'backup', state: 'done', message: `Saved a copy (${backup.id}) before changing anything.` });
    }
    await writeAndBoot(session, plan.image, backup, request.backups, report, 'written');
    return { mac: link.mac, backup: request.backups.get(backup.id) ?? backup, changes: plan.changes, before: plan.before, after: plan.after, ...(interrupted ? { resumedFrom: interrupted.id } : {}) };
  } catch (error) {
    throw asSetupError(error);
  } finally {
    await link.close();
  }
}

/** Writes the newest saved copy of this chip's settings back, as it was. */
export async function restoreOverUsb(request: UsbSetupRequest & { backupId?: string }): Promise<{ mac: string; backup: NvsBackup }> {
  const report = (p: UsbProgress) => request.onProgress?.(p);
  const session = await open(request, report);
  const { link } = session;
  try {
    const backup = request.backupId ? request.backups.get(request.backupId) : request.backups.list(link.mac)[0];
    if (!backup || backup.mac !== link.mac) {
      throw new UsbSetupError(
        'refused',
        `Axewallet has no saved copy of the settings of this Bitaxe (MAC ${link.mac}).`,
        'Copies are saved when a Bitaxe is set up over USB; this one never was from this computer.',
      );
    }
    if (backup.offset !== session.nvs.offset || backup.size !== session.nvs.size)
      throw new UsbSetupError('refused', 'The saved copy does not fit this Bitaxe’s settings partition.', 'Nothing was written.');
    report({ step: 'backup', state: 'done', message: `Restoring the copy saved ${backup.createdAt}.` });
    await writeAndBoot(session, request.backups.read(backup), backup, request.backups, report, 'restored');
    return { mac: link.mac, backup: request.backups.get(backup.id) ?? backup };
  } catch (error) {
    throw asSetupError(error);
  } finally {
    await link.close();
  }
}
