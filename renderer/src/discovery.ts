/** A network scan: started by a command, followed through device.discovery events until done. */
import { useEffect, useState } from 'react';
import type { ApiEvent, CommandOutput } from '../../core/api/contract';
import type { ApiError } from '../../core/api/define';
import { asApiError, call } from './api';
import { useApp } from './store';
import type { ScanTarget } from './validation';

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
