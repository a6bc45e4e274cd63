/**
 * The isolated regex matcher's thread (started by regex-isolate.ts): it runs one match at a time,
 * and a match that overruns its budget is ended by terminating this whole thread — the only way
 * to stop V8's RegExp mid-match.
 */
import { parentPort } from 'node:worker_threads';
import { RE2JS } from 're2js';
import { re2Flags } from './regex-flags.js';

export interface MatchRequest {
  id: number;
  source: string;
  /** JavaScript flags of the pattern ('' for the original's regexes). */
  flags: string;
  engine: 'native' | 're2';
  text: string;
}

export interface MatchReply {
  /** Sent once, when the thread listens. */
  ready?: true;
  id?: number;
  matched?: boolean;
  error?: string;
}

const port = parentPort;
if (port === null) throw new Error('regex-worker.js must run as a worker thread');

/** Compiled patterns; a config has few distinct regexes, so a cleared-when-full map is enough. */
const compiled = new Map<string, { test(s: string): boolean }>();
const MAX_COMPILED = 256;

function compile(source: string, flags: string, engine: 'native' | 're2'): { test(s: string): boolean } {
  const key = `${engine}/${flags}:${source}`;
  let re = compiled.get(key);
  if (re === undefined) {
    re =
      engine === 're2'
        ? RE2JS.compile(RE2JS.translateRegExp(source), re2Flags(RE2JS, flags))
        : new RegExp(source, flags);
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(key, re);
  }
  return re;
}

port.on('message', (m: MatchRequest) => {
  let reply: MatchReply;
  try {
    reply = { id: m.id, matched: compile(m.source, m.flags, m.engine).test(m.text) };
  } catch (err) {
    // RangeError from a backtracking stack that grew too deep, for instance.
    reply = { id: m.id, error: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply);
});
port.postMessage({ ready: true } satisfies MatchReply);
