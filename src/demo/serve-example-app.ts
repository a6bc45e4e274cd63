// The tutorial's example app: node dist/src/demo/serve-example-app.js [port] [host]
// Port: argument, else $PORT, else 8000. Host: argument, else $HOST, else 127.0.0.1 — loopback, so
// the tutorial does not open a port to the network; docker-compose's `app` service sets
// HOST=0.0.0.0 because inside a container only that is reachable through the published port.
import { startExampleApp } from './example-app.js';

const port = Number(process.argv[2] || process.env['PORT'] || 8000);
const host = process.argv[3] || process.env['HOST'] || '127.0.0.1';
const app = await startExampleApp({ port, host });
process.stdout.write(`example app listening on ${app.url}\n`);
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.on(sig, () => void app.close().then(() => process.exit(0)));
