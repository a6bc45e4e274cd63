#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm install` (prepare script).
import { main } from '../dist/src/cli/main.js';

main(process.argv.slice(2));
