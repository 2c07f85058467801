/** A network scan: started by a command, followed through device.discovery events until done. */
import { useEffect, useState } from 'react';
import type { ApiEvent, CommandOutput } from '../../core/api/contract';
import type { ApiError } from '../../core/api/define';
import { asApiError, call } from './api';
import { useApp } from './store';

export type DiscoveryProgress = Extract<ApiEvent, { type: 'device.discovery' }>['progress'];
export type FoundDevice = DiscoveryProgress['found'][number];

export function latestProgress(events: ApiEvent[], scanId: string | undefined): DiscoveryProgress | undefined {
  if (!scanId) return undefined;
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.type === 'device.discovery' && e.progress.scanId === scanId) return e.progress;
  }
  return undefined;
}

export interface ScanTarget {
  hosts?: string[];
  port?: number;
}

/**
 * What the user typed in "where to search": empty = this computer's own networks; otherwise ranges or /24s
 * separated by commas or spaces, with an optional ":PORT" for devices not on port 80.
 */
export function parseScanTarget(text: string): ScanTarget | string {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  if (parts.length === 0) return {};
  let port: number | undefined;
  const hosts: string[] = [];
  for (const part of parts) {
    const match = /^([0-9./-]+)(?::(\d{1,5}))?$/.exec(part);
    if (!match) return `"${part}" is not an address range: use 192.168.1.0/24 or 192.168.1.10-40.`;
    hosts.push(match[1]!);
    if (match[2]) {
      port = Number(match[2]);
      if (port < 1 || port > 65535) return `Port ${match[2]} is out of range (1-65535).`;
    }
  }
  return port ? { hosts, port } : { hosts };
}

export function useDiscovery() {
  const events = useApp((s) => s.events);
  const [scan, setScan] = useState<CommandOutput<'devices.discover'>>();
  const [error, setError] = useState<ApiError>();
  const [starting, setStarting] = useState(false);
  const progress = latestProgress(events, scan?.scanId);
  const running = starting || (!!scan && !progress?.done);

  useEffect(() => {
    const scanId = scan?.scanId;
    return () => {
      // leaving the page stops a scan nobody watches
      if (scanId) void call('devices.cancelDiscover', { scanId }).catch(() => undefined);
    };
  }, [scan?.scanId]);

  return {
    progress,
    running,
    error,
    async start(where: ScanTarget = {}) {
      setStarting(true);
      setError(undefined);
      try {
        setScan(await call('devices.discover', { ...(where.hosts?.length ? { hosts: where.hosts } : {}), ...(where.port ? { port: where.port } : {}) }));
      } catch (err) {
        setError(asApiError(err));
      } finally {
        setStarting(false);
      }
    },
    async cancel() {
      if (scan) await call('devices.cancelDiscover', { scanId: scan.scanId }).catch((err: unknown) => setError(asApiError(err)));
    },
  };
}
