import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';

/**
 * Calls `onChange` after SIGHUP or any change to the config file. The directory is watched, not
 * the file: `monitor config …` replaces the file by rename, which would orphan a watch on its inode.
 * Changes are debounced so an editor's write-rename-chmod burst reloads once.
 */
export interface ConfigWatcher {
  close(): void;
}

export function watchConfig(
  path: string,
  onChange: (reason: 'SIGHUP' | 'file') => void,
  options: { debounceMs?: number } = {},
): ConfigWatcher {
  const debounceMs = options.debounceMs ?? 250;
  const name = basename(path);
  let timer: NodeJS.Timeout | null = null;
  const fire = (reason: 'SIGHUP' | 'file') => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      onChange(reason);
    }, debounceMs);
  };
  const onHup = () => fire('SIGHUP');
  process.on('SIGHUP', onHup);
  let watcher: FSWatcher | null = null;
  try {
    watcher = watch(dirname(path), { persistent: false }, (_event, file) => {
      if (file === null || file === name) fire('file');
    });
    // A watch error (directory removed, too many watches) must not kill the daemon; SIGHUP still works.
    watcher.on('error', () => {});
  } catch {
    watcher = null;
  }
  return {
    close() {
      process.off('SIGHUP', onHup);
      watcher?.close();
      if (timer) clearTimeout(timer);
    },
  };
}
