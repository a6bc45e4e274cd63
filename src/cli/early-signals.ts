/**
 * Signals that arrive while the CLI is still loading. Loading yargs, pino, undici and drizzle takes
 * most of a second; with no handler yet, node's default action ends the process (SIGHUP = exit 129,
 * SIGTERM = 143), so a `systemctl reload` during start-up stopped the service. bin/monitor.js
 * installs these handlers before it imports anything else; they only record what came. `monitor
 * start` then takes over (handOver) once its own handlers are in place; every other command gives
 * the signals their default action back (release), re-raising one that came meanwhile.
 *
 * This module imports nothing, so that it loads in a moment.
 */

export interface EarlySignalState {
  /** The first SIGTERM/SIGINT that came before the take-over, if any. */
  stop: NodeJS.Signals | null;
  /** A SIGHUP came before the take-over. */
  hup: boolean;
}

const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
const state: EarlySignalState = { stop: null, hup: false };
let installed = false;

const onHup = (): void => {
  state.hup = true;
};
const onStop = (sig: NodeJS.Signals): void => {
  state.stop ??= sig;
};

/** Record SIGHUP, SIGTERM and SIGINT instead of dying of them (idempotent). */
export function installEarlySignals(): void {
  if (installed) return;
  installed = true;
  process.on('SIGHUP', onHup);
  for (const s of STOP_SIGNALS) process.on(s, onStop);
}

function uninstall(): EarlySignalState {
  const seen = { ...state };
  if (installed) {
    installed = false;
    process.off('SIGHUP', onHup);
    for (const s of STOP_SIGNALS) process.off(s, onStop);
  }
  state.stop = null;
  state.hup = false;
  return seen;
}

/** The caller's own handlers are installed: stop recording, and say what came meanwhile. */
export function handOver(): EarlySignalState {
  return uninstall();
}

/** Back to node's default actions; a signal that came meanwhile takes effect now. */
export function release(): void {
  const seen = uninstall();
  if (seen.stop) process.kill(process.pid, seen.stop);
  else if (seen.hup) process.kill(process.pid, 'SIGHUP');
}
