import type { RE2JS } from 're2js';

/**
 * A condition's regex flags (`/re/ims`) as RE2's compile flags; `u` needs none (RE2 is Unicode).
 * Shared by the in-line matcher and the isolated thread, so both read a pattern alike.
 */
export function re2Flags(re2: typeof RE2JS, flags: string): number {
  return (
    (flags.includes('i') ? re2.CASE_INSENSITIVE : 0) |
    (flags.includes('m') ? re2.MULTILINE : 0) |
    (flags.includes('s') ? re2.DOTALL : 0)
  );
}
