#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm install` (prepare script).
// Signal handlers first, then the (slow to load) CLI: see src/cli/early-signals.ts.
import { installEarlySignals } from '../dist/src/cli/early-signals.js';

installEarlySignals();
const { main } = await import('../dist/src/cli/main.js');
main(process.argv.slice(2));
