// Entry point for docker-compose's `app` service: node dist/src/demo/serve-example-app.js [port]
import { startExampleApp } from './example-app.js';

const port = Number(process.argv[2] ?? process.env['PORT'] ?? 8000);
const app = await startExampleApp({ port, host: process.env['HOST'] ?? '0.0.0.0' });
process.stdout.write(`example app listening on ${app.url}\n`);
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.on(sig, () => void app.close().then(() => process.exit(0)));
