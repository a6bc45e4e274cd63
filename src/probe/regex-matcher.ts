import { createRequire } from 'node:module';
import type { RE2JS } from 're2js';
import { toError } from '../errors.js';
import { re2Flags } from './regex-flags.js';
import { createRegexIsolate, type RegexIsolateOptions } from './regex-isolate.js';
import { isBacktrackSafe } from './regex-safety.js';

/**
 * Where a service's regex runs, chosen once per pattern so that no match can stall the thread
 * that runs the probes:
 * - `native`: V8's RegExp in line, only for patterns proven linear (regex-safety.ts) — the common
 *   literal-ish checks such as `\{"openapi":"3\.1\.0"`, at native speed;
 * - `re2`: RE2 (the re2js package: linear time, no backtracking) for everything RE2 accepts; in
 *   line while the work is small (body length × program size), in the isolated matcher above it,
 *   because linear can still mean seconds for a large program on a 1 MiB body;
 * - `isolated`: what RE2 cannot take (backreferences, lookahead, lookbehind) or would read
 *   differently, with V8's RegExp in the isolated matcher (regex-isolate.ts): a time budget, and
 *   the thread is terminated when the budget is spent.
 */

export type RegexEngine = 'native' | 're2' | 'isolated';

export interface CompiledRegex {
  readonly source: string;
  /** JavaScript flags (of i, m, s, u); '' for the original's regexes. */
  readonly flags: string;
  readonly engine: RegexEngine;
  /** Set for `native`. */
  readonly native?: RegExp;
  /** Set for `re2`. */
  readonly re2?: RE2JS;
  /** RE2's program size (a measure of its work per input character); 0 unless `re2`. */
  readonly programSize: number;
}

export interface RegexMatcherOptions extends RegexIsolateOptions {
  /**
   * RE2 runs in line while body length × program size stays below this; above, in the isolated
   * matcher. Default 262,144: about 5 ms for the slowest RE2 case measured here (~17 ns per
   * character and program instruction, when its DFA gives up for the NFA).
   */
  inlineRe2Work?: number;
}

export interface RegexMatcher {
  /**
   * The pattern ready to match, or why it cannot be (JavaScript syntax is the reference). Flags
   * (of i, m, s, u; a condition's `/re/i`) default to none, the original's regex.
   */
  compile(source: string, flags?: string): CompiledRegex | string;
  /**
   * Whether `text` contains a match: a boolean when it ran in line, a promise when isolated (it
   * rejects with RegexTimeoutError past the budget, or with the signal's reason when it aborts).
   */
  test(re: CompiledRegex, text: string, signal: AbortSignal): boolean | Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Escapes that JavaScript (without the u flag) reads as a plain letter but RE2 reads as something
 * else (`\A` start of text, `\z` end, `\Q…\E` quoting, `\p{…}` classes, `\C` any byte): such
 * patterns keep JavaScript's meaning by going to the isolated matcher.
 */
const RE2_ONLY_ESCAPES = new Set(['A', 'z', 'Q', 'E', 'p', 'P', 'C']);

function hasRe2OnlyEscape(source: string): boolean {
  for (let i = 0; i < source.length; i++) {
    if (source[i] !== '\\') continue;
    if (RE2_ONLY_ESCAPES.has(source[i + 1] ?? '')) return true;
    i++;
  }
  return false;
}

// Loaded on the first pattern that needs it: ~0.1 s of start-up every CLI command would pay.
let re2js: typeof RE2JS | undefined;

/** RE2's compiled pattern, or null when RE2 rejects it (backreferences, lookaround, …). */
function tryRe2(source: string, flags: string): RE2JS | null {
  if (hasRe2OnlyEscape(source)) return null;
  re2js ??= (createRequire(import.meta.url)('re2js') as { RE2JS: typeof RE2JS }).RE2JS;
  try {
    return re2js.compile(re2js.translateRegExp(source), re2Flags(re2js, flags));
  } catch {
    return null;
  }
}

export function createRegexMatcher(options: RegexMatcherOptions = {}): RegexMatcher {
  const { inlineRe2Work = 262_144, ...isolateOptions } = options;
  const isolate = createRegexIsolate(isolateOptions);

  function compile(source: string, flags = ''): CompiledRegex | string {
    let native: RegExp;
    try {
      native = new RegExp(source, flags);
    } catch (err) {
      return `invalid regex: ${toError(err).message}`;
    }
    if (isBacktrackSafe(source)) return { source, flags, engine: 'native', native, programSize: 0 };
    // Whatever is not native may need the isolated thread: start it now, not at the first match.
    isolate.warm();
    const re2 = tryRe2(source, flags);
    if (re2 !== null) return { source, flags, engine: 're2', re2, programSize: re2.programSize() };
    return { source, flags, engine: 'isolated', programSize: 0 };
  }

  function test(re: CompiledRegex, text: string, signal: AbortSignal): boolean | Promise<boolean> {
    if (re.engine === 'native') return re.native!.test(text);
    if (re.engine === 're2') {
      if (text.length * re.programSize <= inlineRe2Work) return re.re2!.test(text);
      return isolate.run(re.source, 're2', text, signal, re.flags);
    }
    return isolate.run(re.source, 'native', text, signal, re.flags);
  }

  return { compile, test, close: () => isolate.close() };
}
