/**
 * A typed AxeOS client for v2.9 to v2.15+. Runs in Node only: AxeOS answers 401 to requests whose
 * Origin is not an http:// private address, so the renderer must never call a device itself.
 * Every failure becomes an AxeosError with a kind the UI can show and a hint for the next step.
 */
import { isIP } from 'node:net';
import { HttpFailure, httpExchange, type HttpReply } from '../../lib/transport/http';
import { type DevicePool, type NormalizedInfo, capabilitiesOf, flatPoolPatch, normalizeInfo, parseFirmwareVersion, poolSlotBody } from './normalize';

export type AxeosErrorKind = 'unauthorized' | 'http-error' | 'not-json' | 'truncated' | 'timeout' | 'unreachable' | 'not-axeos' | 'rejected' | 'unsupported';

export class AxeosError extends Error {
  constructor(
    readonly kind: AxeosErrorKind,
    message: string,
    readonly hint: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'AxeosError';
  }
}

const PRIVATE_V4 = [/^10\./, /^172\.(1[6-9]|2\d|3[01])\./, /^192\.168\./];

export function isPrivateIpv4(address: string): boolean {
  return isIP(address) === 4 && PRIVATE_V4.some((re) => re.test(address));
}

/** "192.168.1.5", "bitaxe.local:8080" or "http://HOST[:PORT]" -> "http://HOST[:PORT]". */
export function normalizeAddress(address: string): string {
  const trimmed = address.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new AxeosError('unreachable', `"${address}" is not a device address.`, 'Enter the address shown on the Bitaxe screen, like 192.168.1.42.');
  }
  if (url.protocol !== 'http:') {
    throw new AxeosError('unreachable', `AxeOS speaks plain http, not ${url.protocol.replace(':', '')}.`, 'Use an address starting with http:// or just the IP.');
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.username) {
    throw new AxeosError('unreachable', `"${address}" has a path or credentials; a device address is only a host and port.`, 'Enter it like 192.168.1.42 or http://192.168.1.42:80.');
  }
  return `http://${url.host}`;
}

/** Why AxeOS said 401, naming the rule that failed (research/bitaxe.md, is_network_allowed). */
export function explainUnauthorized(localAddress: string | undefined, deviceHost: string): AxeosError {
  const local = (localAddress ?? '').replace(/^::ffff:/, '');
  const rule =
    isIP(local) === 6
      ? `this computer reached it over IPv6 (${local}), which AxeOS always refuses`
      : local && !isPrivateIpv4(local)
        ? `this computer's address ${local} is not in a private range (10.x, 172.16-31.x, 192.168.x)`
        : `the request's origin was not accepted (AxeOS wants a private http:// origin, a .local name or the device's hostname)`;
  return new AxeosError(
    'unauthorized',
    `${deviceHost} refused the request (401): ${rule}.`,
    "AxeOS only answers clients on the same private network. Connect this computer to the Bitaxe's Wi-Fi network directly (no VPN, no guest network) and use its IPv4 address.",
    401,
  );
}

export interface AxeosClientOptions {
  timeoutMs?: number;
  /** upper bound on a reply body; the full log ring is 512 KiB */
  maxBodyBytes?: number;
}

export interface RawAndInfo {
  raw: Record<string, unknown>;
  info: NormalizedInfo;
}

export class AxeosClient {
  readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly maxBodyBytes: number;

  constructor(address: string, options: AxeosClientOptions = {}) {
    this.baseUrl = normalizeAddress(address);
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  }

  get host(): string {
    return new URL(this.baseUrl).host;
  }

  private async request(method: string, path: string, body?: unknown): Promise<HttpReply> {
    let reply: HttpReply;
    try {
      reply = await httpExchange(`${this.baseUrl}${path}`, {
        method,
        ...(body === undefined ? {} : { json: JSON.stringify(body) }),
        silenceMs: this.timeoutMs,
        // the silence limit restarts with every byte: a reply trickled forever still ends here
        deadlineMs: this.timeoutMs * 3,
        maxBodyBytes: this.maxBodyBytes,
        agent: false,
      });
    } catch (error) {
      if (!(error instanceof HttpFailure)) throw error;
      if (error.kind === 'too-large') throw new AxeosError('not-axeos', `${this.host} sent more than ${this.maxBodyBytes} bytes.`, 'Check that this address belongs to a Bitaxe.');
      if (error.kind === 'timeout') {
        throw new AxeosError(
          'timeout',
          `${this.host} did not answer within ${this.timeoutMs / 1000} s.`,
          'Check that the Bitaxe is powered and on the network; its address may have changed (run discovery).',
        );
      }
      throw new AxeosError(
        'unreachable',
        `${this.host} is unreachable (${error.message}).`,
        'Check that the Bitaxe is powered and on the same network; if its address changed, run discovery to find it again.',
      );
    }
    if (reply.status === 401) throw explainUnauthorized(reply.localAddress, this.host);
    return reply;
  }

  private checkStatus(reply: HttpReply, what: string): void {
    if (reply.status >= 200 && reply.status < 300) return;
    const text = reply.body.trim().slice(0, 200);
    if (reply.status === 400) {
      throw new AxeosError('rejected', `${this.host} rejected ${what}: ${text || 'bad request'}.`, 'A value is outside what this firmware accepts; nothing was saved.', 400);
    }
    if (reply.status === 404) {
      throw new AxeosError('unsupported', `${this.host} does not know ${what} (404).`, 'This firmware version does not support it; updating AxeOS may help.', 404);
    }
    throw new AxeosError(
      'http-error',
      `${this.host} failed ${what} with HTTP ${reply.status}${text ? `: ${text}` : ''}.`,
      'The device had an internal error; try again, or restart the Bitaxe.',
      reply.status,
    );
  }

  private async json(method: string, path: string, body?: unknown): Promise<unknown> {
    const reply = await this.request(method, path, body);
    this.checkStatus(reply, `${method} ${path}`);
    const text = reply.body.trim();
    if (text === '') return undefined;
    if (text.startsWith('<')) {
      throw new AxeosError('not-json', `${this.host} answered ${path} with a web page, not AxeOS JSON.`, 'This address is not a Bitaxe (or a captive portal/router answered). Check the address.');
    }
    try {
      return JSON.parse(text);
    } catch {
      if (!reply.complete || /^[[{]/.test(text)) {
        throw new AxeosError('truncated', `${this.host} sent an incomplete reply to ${path}.`, 'The Wi-Fi link may be weak; Axewallet will retry.');
      }
      throw new AxeosError('not-json', `${this.host} answered ${path} with something that is not JSON.`, 'Check that this address belongs to a Bitaxe running AxeOS.');
    }
  }

  async rawInfo(): Promise<Record<string, unknown>> {
    const body = await this.json('GET', '/api/system/info');
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw new AxeosError('not-axeos', `${this.host} did not return AxeOS system info.`, 'Check that this address belongs to a Bitaxe running AxeOS.');
    }
    return body as Record<string, unknown>;
  }

  async info(): Promise<RawAndInfo> {
    const raw = await this.rawInfo();
    try {
      return { raw, info: normalizeInfo(raw) };
    } catch (error) {
      throw new AxeosError('not-axeos', `${this.host}: ${(error as Error).message}`, 'Check that this address belongs to a Bitaxe running AxeOS.');
    }
  }

  asic(): Promise<unknown> {
    return this.json('GET', '/api/system/asic');
  }

  statistics(columns?: string[]): Promise<unknown> {
    return this.json('GET', `/api/system/statistics${columns ? `?columns=${columns.map(encodeURIComponent).join(',')}` : ''}`);
  }

  scoreboard(): Promise<unknown> {
    return this.json('GET', '/api/system/scoreboard');
  }

  async logText(): Promise<string> {
    const reply = await this.request('GET', '/api/system/logs');
    this.checkStatus(reply, 'GET /api/system/logs');
    return reply.body;
  }

  async restart(): Promise<void> {
    await this.json('POST', '/api/system/restart');
  }

  async identify(): Promise<void> {
    await this.json('POST', '/api/system/identify');
  }

  async pause(firmware: string): Promise<void> {
    this.requirePauseResume(firmware);
    await this.json('POST', '/api/system/pause');
  }

  async resume(firmware: string): Promise<void> {
    this.requirePauseResume(firmware);
    await this.json('POST', '/api/system/resume');
  }

  private requirePauseResume(firmware: string): void {
    if (!capabilitiesOf(parseFirmwareVersion(firmware)).pauseResume) {
      throw new AxeosError('unsupported', `Pause and resume need AxeOS v2.14 or newer; this device runs ${firmware}.`, 'Update AxeOS on the device to pause mining from Axewallet.');
    }
  }

  /** PATCH /api/system: AxeOS validates every field and saves nothing if one is wrong (400). */
  async patch(settings: Record<string, unknown>): Promise<void> {
    await this.json('PATCH', '/api/system', settings);
  }

  async putPool(slot: number, pool: DevicePool): Promise<void> {
    await this.json('PUT', `/api/system/pools/${slot}`, poolSlotBody(pool));
  }

  async deletePool(slot: number): Promise<void> {
    await this.json('DELETE', `/api/system/pools/${slot}`);
  }

  /**
   * Primary and fallback pool in whatever way this firmware understands. The selection is read at
   * boot, so the caller restarts afterwards. On v2.15+ `slots` names the two slot ids to use;
   * `useFallbackStratum` false makes a device that was told to mine on its fallback use the primary.
   */
  async writePools(
    info: NormalizedInfo,
    primary: DevicePool,
    fallback: DevicePool | undefined,
    slots?: { primary: number; secondary: number },
    options: { useFallbackStratum?: boolean } = {},
  ): Promise<void> {
    const selection = options.useFallbackStratum === undefined ? {} : { useFallbackStratum: options.useFallbackStratum ? 1 : 0 };
    if (!info.capabilities.poolsApi) {
      await this.patch({ ...flatPoolPatch(primary, fallback), ...selection });
      return;
    }
    const primarySlot = slots?.primary ?? primary.slot;
    const secondarySlot = slots?.secondary ?? fallback?.slot ?? info.secondaryPool;
    await this.putPool(primarySlot, primary);
    if (fallback) await this.putPool(secondarySlot, fallback);
    await this.patch({ primaryPoolIndex: primarySlot, secondaryPoolIndex: secondarySlot, ...selection });
  }
}
