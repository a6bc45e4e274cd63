#!/usr/bin/env -S node --max-semi-space-size=4 --heap-growing-percent=50
// --max-semi-space-size=4 (MB; V8's default is 16): the main thread's young generation otherwise
// grows to ~48 MB under a probe load and stays there; at 10,000 services this cut the daemon's RSS
// by ~60 MB for no measurable CPU (bench/results/README.md, "10k").
// --heap-growing-percent=50: after each full GC a heap may grow by 1.5× before the next, where V8
// allows up to 4× on a machine with gigabytes of RAM. Probe garbage is promoted and dies in the old
// generation, so each thread's heap rose to 2-3× what it held (probe worker: 155 MB for ~45 MB live).
// At 30,000 services at 5 s: RSS 433 → 252 MB, 45,000 (1.5× overload) 588 → 320 MB, probes/s
// unchanged within noise. Unlike --max-old-space-size it sets no limit a large config could hit.
// Both apply only when the file is run as a program (`monitor …`, npx, systemd), not as
// `node bin/monitor.js`; V8 flags are per process, so the probe and checkpoint workers get them too.
// Thin launcher: the CLI is compiled to dist/ by `npm install` (prepare script).
// Signal handlers first, then the (slow to load) CLI: see src/cli/early-signals.ts.
import { installEarlySignals } from '../dist/src/cli/early-signals.js';

installEarlySignals();
const { main } = await import('../dist/src/cli/main.js');
main(process.argv.slice(2));
