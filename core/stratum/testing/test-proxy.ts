/** The proxy every stratum test starts from: loopback, a free port, silent logs, no locking key; tests override the rest. */
import { settingsDefaults } from '../../api/system';
import { parseUpstreamUrl } from '../../api/upstream-url';
import { silentLogger } from '../../../lib/log';
import { createProxy, type Proxy } from '../proxy';

export function testProxy(upstreamUrls: string[], ledgerPath: string, extra: Partial<Parameters<typeof createProxy>[0]> = {}): Proxy {
  return createProxy({
    stratumHost: '127.0.0.1',
    stratumPort: 0,
    upstreams: upstreamUrls.map(parseUpstreamUrl),
    verdictTimeoutMs: settingsDefaults.verdictTimeoutMs,
    ledgerPath,
    lockingPubkey: () => undefined,
    logger: silentLogger,
    ...extra,
  });
}
