/**
 * The line transport under one miner session: splits the socket's bytes into JSON-RPC lines, hands them to
 * the session one at a time and in order (waiting while one is asynchronous, as authorize is), and sends
 * whatever is written in one turn of the event loop, or while a batch of lines is handled, in one socket write.
 * Each line is handled on its own: a line that cannot be parsed, or whose handling throws, is answered with an
 * error and the next line goes on.
 */
import type { Socket } from 'node:net';
import { parseSv1Line, SV1_ERRORS, type Sv1Id, Sv1LineSplitter, Sv1ProtocolError, type Sv1Request, sv1Error } from '../../lib/protocol/sv1/codec';

/** input held while a line waits (authorize waits for an upstream); more than this from one miner is abuse */
const MAX_QUEUED_BYTES = 256 * 1024;
/** replies a miner does not read; beyond this it is dropped rather than buffered without end */
const MAX_UNREAD_BYTES = 1024 * 1024;

export interface LineHandler {
  /** a request line; may return a promise the next line waits for */
  onLine(request: Sv1Request): Promise<void> | undefined;
  /** a line refused before reaching `onLine` (or one whose handling threw: `internal`) */
  onInvalidLine(reason: string, internal?: unknown): void;
  onConnectionClosed(): void;
}

/**
 * Connections with lines written this turn. One microtask flushes them all, where corking each socket took a tick and
 * a closure per connection written to, and buffered every line as a stream chunk of its own. A microtask, not a tick:
 * after a pool connection's read nothing else queues a tick, and in Node 20 draining the tick queue allocates a map.
 * Queued as a reaction to a promise already resolved: queueMicrotask wraps each callback in an async resource and a
 * bound function, ~160 bytes a submit in the instructions bench.
 */
const unflushed: Sv1Connection[] = [];
const RESOLVED = Promise.resolve();

function flushAll(): void {
  for (const connection of unflushed) connection.flush();
  unflushed.length = 0;
}

export class Sv1Connection {
  /** when the peer last sent anything */
  lastHeardAt = Date.now();
  private readonly splitter = new Sv1LineSplitter();
  private readonly queue: string[] = [];
  private queuedBytes = 0;
  /** lines written and not yet handed to the socket */
  private outgoing = '';
  private processing = false;
  private closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly handler: LineHandler,
  ) {
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** `flush`: what was written still goes out (a client.reconnect), otherwise the connection is cut. */
  close(flush = false): void {
    if (this.closed) return;
    if (flush) this.flush();
    this.closed = true;
    if (flush) {
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 1000).unref();
    } else {
      this.socket.destroy();
    }
    this.handler.onConnectionClosed();
  }

  write(line: string): void {
    if (this.closed) return;
    if (this.socket.writableLength + this.outgoing.length > MAX_UNREAD_BYTES) {
      this.close();
      return;
    }
    // while a batch of lines is handled, its end flushes
    if (this.outgoing.length === 0 && !this.processing && unflushed.push(this) === 1) void RESOLVED.then(flushAll);
    this.outgoing += line;
  }

  /** Hands what was written to the socket (verdicts arrive in batches: one write for all of a turn's). */
  flush(): void {
    if (this.closed || this.outgoing.length === 0) return;
    const out = this.outgoing;
    this.outgoing = '';
    this.socket.write(out);
  }

  private onData(chunk: string): void {
    this.lastHeardAt = Date.now();
    for (const line of this.splitter.push(chunk)) {
      if (typeof line !== 'string') {
        this.handler.onInvalidLine('line-too-long');
        this.write(sv1Error(null, SV1_ERRORS.other, 'Line too long'));
        continue;
      }
      this.queuedBytes += line.length;
      if (this.queuedBytes > MAX_QUEUED_BYTES) {
        this.close();
        return;
      }
      this.queue.push(line);
    }
    if (!this.processing) this.drain();
  }

  /**
   * The replies of one batch go out in one write, so a probe's single read sees them all. Synchronous unless a line
   * is (authorize): the lines after it wait for it, and so do the replies.
   */
  private drain(): void {
    this.processing = true;
    while (this.queue.length > 0 && !this.closed) {
      const line = this.queue.shift()!;
      this.queuedBytes -= line.length;
      const pending = this.handle(line);
      if (pending) {
        void pending.then(() => this.drain());
        return;
      }
    }
    this.processing = false;
    this.flush();
  }

  private handle(line: string): Promise<void> | undefined {
    let id: Sv1Id = null;
    try {
      const message = parseSv1Line(line);
      if (message.kind === 'response') return undefined; // e.g. a client.get_version answer
      id = message.id;
      return this.handler.onLine(message)?.catch((error: unknown) => this.onLineError(id, error));
    } catch (error) {
      this.onLineError(id, error);
      return undefined;
    }
  }

  private onLineError(id: Sv1Id, error: unknown): void {
    if (error instanceof Sv1ProtocolError) {
      this.handler.onInvalidLine(error.code);
      this.write(sv1Error(error.id ?? null, SV1_ERRORS.other, error.message));
      return;
    }
    // a bug reached by this peer's input: it costs this line only
    this.handler.onInvalidLine('internal-error', error);
    this.write(sv1Error(id, SV1_ERRORS.other, 'Internal error'));
  }
}
