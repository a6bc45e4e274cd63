/**
 * Which patterns V8's backtracking RegExp may run in line, on the probe worker's own thread: only
 * those whose search is provably linear in the body. The test is deliberately narrow; everything
 * it does not recognise goes to RE2 or to the isolated matcher (regex-matcher.ts), so a wrong
 * "no" costs a little speed and a wrong "yes" is impossible by construction.
 *
 * Accepted: a sequence of single-character items — a literal (`a`, `\{`, `\n`), a class (`.`,
 * `[...]`, `\d \D \w \W \s \S`) — with `^` only first and `$` only last, where an item may carry
 * `*` or `+` only if it stands between two unquantified literals (or `^`/the end) that its class
 * cannot match. No groups, alternation, `?`, `{n,m}`, lazy quantifiers, backreferences, lookaround
 * or other escapes.
 *
 * Why that is linear: without quantifiers each start position costs at most the pattern's
 * length. A quantified class C preceded by a literal outside C starts at the beginning of a
 * maximal run of C, and distinct start positions reach distinct runs, so all runs together are
 * at most the body; followed by a literal outside C (or the end), every backtracking step inside
 * the run fails at its first comparison. `\s*"ok"` alone is refused: from each of n spaces the
 * run goes to the end (n² steps); `"status":\s*"ok"` is accepted.
 */

interface Item {
  /** 'lit' = one known character; 'class' = a set of characters (source in `src`). */
  kind: 'lit' | 'class' | 'start' | 'end';
  src: string;
  /** The character of a literal. */
  ch?: string;
  quantified?: boolean;
}

const CLASS_ESCAPES = new Set(['d', 'D', 'w', 'W', 's', 'S']);
const CONTROL_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', f: '\f', v: '\v' };
const SPECIAL = new Set(['(', ')', '|', '?', '{', '}', ']', '^', '$']);
const MAX_SOURCE = 500;

/** The pattern's items, or null when it uses anything outside the accepted subset. */
function tokenize(source: string): Item[] | null {
  const items: Item[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === '^') {
      if (i !== 0) return null;
      items.push({ kind: 'start', src: c });
      i++;
    } else if (c === '$') {
      if (i !== source.length - 1) return null;
      items.push({ kind: 'end', src: c });
      i++;
    } else if (c === '*' || c === '+') {
      const prev = items[items.length - 1];
      const next = source[i + 1];
      if (!prev || prev.quantified || (prev.kind !== 'lit' && prev.kind !== 'class')) return null;
      // Lazy or possessive-looking suffixes change the search: refuse them.
      if (next === '?' || next === '*' || next === '+') return null;
      prev.quantified = true;
      i++;
    } else if (c === '\\') {
      const e = source[i + 1];
      if (e === undefined) return null;
      if (CLASS_ESCAPES.has(e)) items.push({ kind: 'class', src: `\\${e}` });
      else if (e in CONTROL_ESCAPES) items.push({ kind: 'lit', src: `\\${e}`, ch: CONTROL_ESCAPES[e] });
      else if (/^[!-/:-@[-`{-~]$/.test(e)) items.push({ kind: 'lit', src: `\\${e}`, ch: e });
      else return null; // \b, \1, \k<…>, \p{…}, \u…, \x…, \c…: not in the subset
      i += 2;
    } else if (c === '[') {
      let j = i + 1;
      if (source[j] === '^') j++;
      if (source[j] === ']') return null; // [] and [^] mean nothing/everything: not worth the doubt
      while (j < source.length && source[j] !== ']') {
        if (source[j] === '[') return null;
        j += source[j] === '\\' ? 2 : 1;
      }
      if (j >= source.length) return null;
      items.push({ kind: 'class', src: source.slice(i, j + 1) });
      i = j + 1;
    } else if (c === '.') {
      items.push({ kind: 'class', src: '.' });
      i++;
    } else if (SPECIAL.has(c)) {
      return null;
    } else {
      // A surrogate pair is two UTF-16 units: a quantifier after it would apply to the second only.
      if (c.charCodeAt(0) >= 0xd800 && c.charCodeAt(0) <= 0xdfff) return null;
      items.push({ kind: 'lit', src: c, ch: c });
      i++;
    }
  }
  return items;
}

/** Whether the item's class matches `ch`, decided by V8 itself on a one-character string. */
function classMatches(item: Item, ch: string): boolean {
  return new RegExp(`^(?:${item.src})$`).test(ch);
}

/** A literal that cannot start or continue the quantified item's run. */
function isFence(neighbour: Item | undefined, quantified: Item, atStart: boolean): boolean {
  if (neighbour === undefined) return !atStart; // the end of the pattern follows the run
  if (neighbour.kind === 'start') return atStart;
  if (neighbour.kind === 'end') return !atStart;
  return neighbour.kind === 'lit' && !neighbour.quantified && !classMatches(quantified, neighbour.ch!);
}

/** True when native RegExp.test on this pattern is linear in the input (see the file comment). */
export function isBacktrackSafe(source: string): boolean {
  if (source.length === 0 || source.length > MAX_SOURCE) return false;
  const items = tokenize(source);
  if (items === null) return false;
  for (let k = 0; k < items.length; k++) {
    const item = items[k]!;
    if (!item.quantified) continue;
    if (k === 0 || !isFence(items[k - 1], item, true)) return false;
    if (!isFence(items[k + 1], item, false)) return false;
  }
  return true;
}
