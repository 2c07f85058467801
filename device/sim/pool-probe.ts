/**
 * ESP-Miner's Stratum V1 pool probe (protocol_coordinator.c probe_pool_v1): connect, send subscribe and authorize,
 * then one read of at most 1023 bytes; the pool is serving work when that read holds a mining.notify.
 */
import net from 'node:net';

export interface PoolProbe {
  /** true when the pool handed out work in the first read */
  result: Promise<boolean>;
  cancel(): void;
}

export interface ProbedPool {
  host: string;
  port: number;
  user: string;
  password?: string;
}

export function probePool(pool: ProbedPool, options: { userAgent: string; localAddress?: string; timeoutMs: number }): PoolProbe {
  const socket = net.connect({ host: pool.host, port: pool.port, localAddress: options.localAddress });
  let settle: (ok: boolean) => void = () => undefined;
  const result = new Promise<boolean>((resolve) => {
    let answered = false;
    settle = (ok) => {
      if (answered) return;
      answered = true;
      clearTimeout(timeout);
      socket.destroy();
      resolve(ok);
    };
    const timeout = setTimeout(() => settle(false), options.timeoutMs);
  });
  socket.on('connect', () => {
    socket.write(`${JSON.stringify({ id: 1, method: 'mining.subscribe', params: [options.userAgent] })}\n`);
    socket.write(`${JSON.stringify({ id: 2, method: 'mining.authorize', params: [pool.user, pool.password ?? 'x'] })}\n`);
  });
  socket.once('data', (data: Buffer) => settle(data.subarray(0, 1023).toString('utf8').includes('mining.notify')));
  socket.on('error', () => settle(false));
  socket.on('close', () => settle(false));
  return { result, cancel: () => settle(false) };
}
