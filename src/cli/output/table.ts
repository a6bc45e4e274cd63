/**
 * Bordered text tables in the shape of Python's prettytable, which the original printed:
 * `+---+` rules, one space of padding, every cell centred the way Python's str.center does it,
 * so that our output lines up character for character with the original's.
 */

/** Width in terminal columns, counting code points (№ is one column, not three bytes). */
function width(text: string): number {
  return [...text].length;
}

/** Python's str.center: on an odd margin the extra space goes left only when the width is odd. */
export function centre(text: string, size: number): string {
  const margin = size - width(text);
  if (margin <= 0) return text;
  const left = Math.floor(margin / 2) + (margin & size & 1);
  return `${' '.repeat(left)}${text}${' '.repeat(margin - left)}`;
}

export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  // A newline inside a cell would break the borders; show it escaped instead.
  const clean = (cell: string): string => cell.replace(/\r/g, '\\r').replace(/\n/g, '\\n');
  const body = rows.map((row) => headers.map((_, i) => clean(row[i] ?? '')));
  const widths = headers.map((h, i) => Math.max(width(h), ...body.map((row) => width(row[i] ?? ''))));
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const line = (cells: readonly string[]): string =>
    `|${cells.map((c, i) => ` ${centre(c, widths[i] ?? 0)} `).join('|')}|`;
  return [rule, line(headers), rule, ...body.map(line), rule].join('\n');
}
