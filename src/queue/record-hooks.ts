import type { RecordHook } from './store.js';

/**
 * One RecordHook made of several (the alerts tracker, the live view's rollups …), called in order.
 * The job store takes one hook; each part stays unaware of the others.
 */
export function composeHooks(hooks: readonly (RecordHook | null | undefined)[]): RecordHook | null {
  const list = hooks.filter((h): h is RecordHook => h !== null && h !== undefined);
  if (list.length === 0) return null;
  if (list.length === 1) return list[0] as RecordHook;
  return {
    mark(result) {
      for (const h of list) h.mark(result);
    },
    recorded(result) {
      for (const h of list) h.recorded(result);
    },
    flush() {
      for (const h of list) h.flush?.();
    },
    committed() {
      for (const h of list) h.committed();
    },
    rolledBack() {
      for (const h of list) h.rolledBack();
    },
  };
}
