import type { Left, Literal, Range, Right, Subject } from './condition-ast.js';

/**
 * The normalised text of a condition: placeholders and functions in their canonical case, one space
 * around the operator, strings always quoted. The parser reads it back to an equal condition, so it
 * is what is shown and stored.
 */
export function conditionSource(left: Left, op: string, right: Right): string {
  const l = left.fn === null ? subjectSource(left.subject) : `${left.fn}(${subjectSource(left.subject)})`;
  // has(X) alone means has(X) == true: keep the short form.
  if (left.fn === 'has' && op === '==' && right.kind === 'bool' && right.value) return l;
  return `${l} ${op} ${rightSource(right)}`;
}

/** `[BODY].a[0]`, `[HEADER].name`, `[STATUS]`: the subject as written in a condition. */
export function subjectSource(s: Subject): string {
  if (s.kind === 'placeholder') return `[${s.name}]`;
  if (s.kind === 'header') return `[HEADER].${s.name}`;
  let out = '[BODY]';
  for (const step of s.path) out += typeof step === 'number' ? `[${step}]` : `.${step}`;
  return out;
}

function rightSource(r: Right): string {
  if (r.kind === 'regex') return `/${r.source}/${r.flags}`;
  if (r.kind === 'any') return `any(${r.items.map(itemSource).join(', ')})`;
  return literalSource(r);
}

function itemSource(item: Literal | Range): string {
  return item.kind === 'range' ? `${item.low}-${item.high}` : literalSource(item);
}

function literalSource(l: Literal): string {
  switch (l.kind) {
    case 'number':
      return String(l.value);
    case 'duration':
      return l.text;
    case 'string':
      return `"${l.value.replace(/[\\"]/g, '\\$&')}"`;
    case 'bool':
      return String(l.value);
    case 'null':
      return 'null';
  }
}

/**
 * `source` with every `/` outside a character class escaped, so that it can stand between the
 * slashes of `/…/`; `\/` means `/` to RegExp, so the pattern is unchanged.
 */
export function escapeRegexSlashes(source: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      out += source.slice(i, i + 2);
      i++;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    else if (c === '/' && !inClass) {
      out += '\\/';
      continue;
    }
    out += c;
  }
  return out;
}
