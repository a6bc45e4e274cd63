/**
 * The benchmark's target: a fast HTTP server in its own process, so its CPU is not the monitor's.
 * Any path answers 200 with a small body the services' regex matches. It listens on N ports
 * (argv[2], default 1): each port is a distinct origin, so services spread over them are not all
 * behind one per-origin politeness cap. It tells its parent the ports once listening ({ ports })
 * and answers { served } to a 'count' message.
 *   fork('dist/bench/target-server.js', ['32'])
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const BODY = Buffer.from('{"status":"healthy","version":"1.0.0"}\n');
const origins = Math.max(1, Math.floor(Number(process.argv[2] ?? 1)) || 1);
let served = 0;

function listen(): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => {
    served++;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': BODY.length });
    res.end(BODY);
  });
  server.keepAliveTimeout = 30_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port }));
  });
}

const listening = await Promise.all(Array.from({ length: origins }, listen));
process.send?.({ ports: listening.map((l) => l.port) });

process.on('message', (m: unknown) => {
  if (m === 'count') process.send?.({ served });
  else if (m === 'stop') {
    let open = listening.length;
    for (const { server } of listening) {
      server.closeAllConnections();
      server.close(() => {
        if (--open === 0) process.exit(0);
      });
    }
  }
});
process.on('disconnect', () => process.exit(0));
