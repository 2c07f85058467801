/**
 * Upstream pool addresses as users type them:
 *   stratum2+tcp://HOST:PORT/AUTHORITY_PUBKEY   Stratum V2 + Noise (hashpool), pinned to the pool's authority key
 *   stratum+tcp://HOST:PORT                     plain Stratum V1 (public-pool, OCEAN, ckpool): forwards, mints nothing
 * The authority key's checksum is verified by the Sv2 layer when connecting; here only its shape.
 */
export type UpstreamUrl = { protocol: 'sv2'; host: string; port: number; authorityPubkey: string; url: string } | { protocol: 'sv1'; host: string; port: number; url: string };

const BASE58 = /^[1-9A-HJ-NP-Za-km-z]{40,60}$/;

export class UpstreamUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamUrlError';
  }
}

export function parseUpstreamUrl(input: string): UpstreamUrl {
  const text = input.trim();
  const match = /^(stratum2\+tcp|stratum\+tcp):\/\/(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})(?:\/([^/?#\s]*))?\/?$/.exec(text);
  if (!match) {
    throw new UpstreamUrlError('Not a pool address. Use stratum2+tcp://HOST:PORT/AUTHORITY_PUBKEY for a hashpool (Stratum V2) or stratum+tcp://HOST:PORT for a Stratum V1 pool.');
  }
  const [, scheme, rawHost, rawPort, key] = match;
  const host = rawHost!.replace(/^\[|\]$/g, '');
  const port = Number(rawPort);
  if (port < 1 || port > 65535) throw new UpstreamUrlError(`Port ${rawPort} is out of range (1-65535).`);
  if (scheme === 'stratum+tcp') {
    if (key) throw new UpstreamUrlError('A Stratum V1 address has no path; remove everything after the port.');
    return { protocol: 'sv1', host, port, url: `stratum+tcp://${rawHost}:${port}` };
  }
  if (!key) throw new UpstreamUrlError("A Stratum V2 address must end with the pool's authority public key: stratum2+tcp://HOST:PORT/KEY.");
  if (!BASE58.test(key)) throw new UpstreamUrlError('The authority key is not a base58 string; copy it again from the pool operator.');
  return { protocol: 'sv2', host, port, authorityPubkey: key, url: `stratum2+tcp://${rawHost}:${port}/${key}` };
}
