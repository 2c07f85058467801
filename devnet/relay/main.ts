/**
 * The devnet relay as a process of its own: `node --import tsx devnet/relay/main.ts [dbPath] [port]`.
 * Prints one JSON line when ready ({"event":"ready","url":...}) and runs until stdin closes or a signal,
 * so a benchmark can keep the relay's CPU out of the client's numbers.
 */
import { startRelay } from './relay';

const [dbPath, port] = process.argv.slice(2);
const relay = await startRelay({ dbPath: dbPath || ':memory:', port: port ? Number(port) : 0 });
process.stdout.write(`${JSON.stringify({ event: 'ready', url: relay.url })}\n`);
const stop = () => void relay.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
