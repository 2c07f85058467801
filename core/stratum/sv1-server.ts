/**
 * The Stratum V1 server (SRI translator's sv1_server): the LAN-facing port miners point at. It admits
 * connections (per-address limits, a reserve for the devices Axewallet knows, backoff for abusers), gives
 * each a MinerSession, and keeps them honest over time: subscribe and authorize within `handshakeMs`, no
 * silence longer than `idleMs`, a keepalive notify after `keepaliveMs` of quiet on a live channel.
 * While the proxy has no upstream to offer (refusing), it closes its miners and turns new ones away without
 * a word, so a Bitaxe counts failed connections and moves to its own fallback pool.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../../lib/log';
import { type AdmissionLimits, ConnectionGate, hostOf } from './admission';
import type { MinerSession } from './miner-session';

export interface Sv1ServerOptions {
  host: string;
  /** 0 = any free port */
  port: number;
  logger: Logger;
  admission: AdmissionLimits;
  /** hosts of the devices Axewallet manages: they keep slots no flood can take */
  knownAddresses: () => Iterable<string>;
  handshakeMs: number;
  idleMs: number;
  keepaliveMs: number;
  /** makes the session for an admitted connection */
  newSession: (id: string, address: string, socket: Socket) => MinerSession;
}

/** the reasons a connection or line was refused are counted, but only so many different ones */
const MAX_REASONS = 64;

export class Sv1Server {
  private readonly server: Server;
  private readonly gate: ConnectionGate;
  private readonly live = new Map<string, { session: MinerSession; host: string; known: boolean }>();
  private readonly refused: Record<string, number> = {};
  private nextSessionNumber = 1;
  private sweepTimer: NodeJS.Timeout | undefined;
  private refusingNow = false;
  private stopped = false;
  private address: { host: string; port: number } | null = null;

  constructor(private readonly opts: Sv1ServerOptions) {
    this.gate = new ConnectionGate(opts.admission, opts.knownAddresses);
    this.server = createServer((socket) => this.onConnection(socket));
  }

  get endpoint(): { host: string; port: number } | null {
    return this.address;
  }

  async start(): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      // a LAN flood arrives faster than one event-loop turn accepts; with the default backlog (511) the kernel drops
      // the SYNs beyond it, a known Bitaxe's among them, and the client waits seconds to retry
      const backlog = Math.max(511, this.opts.admission.maxConnections * 2);
      this.server.listen({ port: this.opts.port, host: this.opts.host, backlog }, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('stratum server has no TCP address');
    this.address = { host: this.opts.host, port: address.port };
    const every = Math.max(20, Math.min(1000, this.opts.keepaliveMs, this.opts.handshakeMs / 4, this.opts.idleMs / 4));
    this.sweepTimer = setInterval(() => this.sweep(), every);
    this.sweepTimer.unref();
    return this.address;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    for (const { session } of [...this.live.values()]) session.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  sessions(): MinerSession[] {
    return [...this.live.values()].map((entry) => entry.session);
  }

  session(id: string): MinerSession | undefined {
    return this.live.get(id)?.session;
  }

  /** While refusing, every miner is closed and every new connection turned away. */
  refuse(refusing: boolean): void {
    this.refusingNow = refusing;
    if (!refusing) return;
    for (const { session } of [...this.live.values()]) session.close();
  }

  sessionClosed(session: MinerSession): void {
    const entry = this.live.get(session.id);
    if (!entry || entry.session !== session) return;
    this.live.delete(session.id);
    this.gate.release(entry.host, entry.known);
  }

  /** The session sent mostly invalid shares: its address waits before it may connect again. */
  misbehaved(session: MinerSession): void {
    const entry = this.live.get(session.id);
    if (!entry) return;
    const ms = this.gate.penalize(entry.host);
    this.note('dropped-invalid-shares');
    this.opts.logger.warn('a miner sent mostly invalid shares: dropped, its address waits', { miner: session.id, address: session.address, seconds: Math.round(ms / 1000) });
  }

  /** Counts a refused line, submit or connection by reason (bounded). */
  note(reason: string): void {
    const key = reason.slice(0, 60);
    if (this.refused[key] !== undefined || Object.keys(this.refused).length < MAX_REASONS) this.refused[key] = (this.refused[key] ?? 0) + 1;
  }

  invalid(): Record<string, number> {
    return { ...this.refused };
  }

  private onConnection(socket: Socket): void {
    socket.on('error', () => undefined);
    if (this.stopped || this.refusingNow) {
      // no upstream: no answer at all, so the firmware counts a failure (any answer would reset its count)
      if (this.refusingNow) this.note('refused-no-upstream');
      socket.destroy();
      return;
    }
    const host = hostOf(socket.remoteAddress);
    const admission = this.gate.admit(host);
    if (!admission.ok) {
      this.note(`refused-${admission.reason}`);
      socket.destroy();
      return;
    }
    const id = `m${this.nextSessionNumber++}`;
    const address = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    this.live.set(id, { session: this.opts.newSession(id, address, socket), host, known: admission.known });
    this.opts.logger.debug('miner connected', { miner: id, address, known: admission.known });
  }

  private sweep(): void {
    const now = Date.now();
    for (const { session } of [...this.live.values()]) {
      const late = session.checkDeadlines(now, this.opts.handshakeMs, this.opts.idleMs);
      if (late) {
        this.note(late === 'handshake' ? 'handshake-timeout' : 'idle-timeout');
        this.opts.logger.debug('miner closed', { miner: session.id, why: late });
        session.close();
        continue;
      }
      session.keepalive(now, this.opts.keepaliveMs);
    }
  }
}
