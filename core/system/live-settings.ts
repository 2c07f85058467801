/**
 * A saved settings change reaches the running services: a new upstream list moves the proxy and the mint map,
 * a new relay list the backup, a new delay the backup's timer. Flags given for this run win over saved settings,
 * and the demo network keeps its own upstream and relay.
 */
import type { Settings, SettingsPatch } from '../api/system';
import { parseUpstreamUrl } from '../api/upstream-url';
import type { BackupService } from '../backup';
import type { Proxy } from '../stratum/proxy';
import type { UpstreamMints } from './upstream-mints';

export interface LiveServices {
  proxy: Pick<Proxy, 'setUpstreams'>;
  backup: Pick<BackupService, 'setRelays' | 'setDelaySeconds'>;
  upstreamMints: UpstreamMints;
  /** the settings given as flags for this run: saved changes to them wait for the next start */
  overrides?: Partial<Settings>;
  /** the demo network's relay, kept in front of the user's list; absent outside demo mode */
  demoRelay?: string;
  demo: boolean;
}

export function liveSettings(services: LiveServices): (patch: SettingsPatch, next: Settings) => Promise<void> {
  const { proxy, backup, upstreamMints, overrides, demoRelay, demo } = services;
  return async (patch, next) => {
    if (patch.upstreams && !overrides?.upstreams && !demo) {
      proxy.setUpstreams(next.upstreams.map((u) => parseUpstreamUrl(u.url)));
      upstreamMints.set(next.upstreams);
    }
    if (patch.relays && !overrides?.relays) await backup.setRelays(demoRelay ? [demoRelay, ...next.relays] : next.relays);
    if (patch.backupDelaySeconds) backup.setDelaySeconds(next.backupDelaySeconds);
  };
}
