#!/usr/bin/env -S node --max-semi-space-size=4
// --max-semi-space-size=4 (MB; V8's default is 16): the main thread's young generation otherwise
// grows to ~48 MB under a probe load and stays there; at 10,000 services this cut the daemon's RSS
// by ~60 MB for no measurable CPU (bench/results/README.md, "10k"). It only applies when the file is
// run as a program (`monitor …`, npx, systemd), not as `node bin/monitor.js`.
// Thin launcher: the CLI is compiled to dist/ by `npm install` (prepare script).
// Signal handlers first, then the (slow to load) CLI: see src/cli/early-signals.ts.
import { installEarlySignals } from '../dist/src/cli/early-signals.js';

installEarlySignals();
const { main } = await import('../dist/src/cli/main.js');
main(process.argv.slice(2));
