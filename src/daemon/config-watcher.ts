import { type FSWatcher, realpathSync, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

/**
 * Calls `onChange` after SIGHUP or any change to what the config path really names. Directories
 * are watched, not the file: `monitor config …` replaces the file by rename, which would orphan a
 * watch on its inode. Watched: the file's folder, the folder's parent (the folder itself may be
 * replaced, e.g. a new `~/.monitoring`), and, when the path is a symlink, the folder of its real
 * target. Every change re-resolves all of it, so a retargeted symlink or a new folder is followed.
 * Changes are debounced so an editor's write-rename-chmod burst reloads once.
 */
export interface ConfigWatcher {
  close(): void;
}

/** (folder, name in it) pairs whose changes mean "the config may have changed". */
function watchTargets(path: string): Array<[string, string]> {
  const file = resolve(path);
  const targets: Array<[string, string]> = [
    [dirname(file), basename(file)],
    [dirname(dirname(file)), basename(dirname(file))],
  ];
  try {
    const real = realpathSync(file);
    if (real !== file) {
      targets.push([dirname(real), basename(real)]);
      // A symlinked folder: its target's parent, so that replacing the target folder is seen too.
      targets.push([dirname(dirname(real)), basename(dirname(real))]);
    }
  } catch {
    // Missing for the moment (being replaced): the watches on the path's own folders still see it.
  }
  return targets;
}

export function watchConfig(
  path: string,
  onChange: (reason: 'SIGHUP' | 'file') => void,
  options: { debounceMs?: number } = {},
): ConfigWatcher {
  const debounceMs = options.debounceMs ?? 250;
  let timer: NodeJS.Timeout | null = null;
  let watchers: FSWatcher[] = [];
  let closed = false;

  const rewatch = () => {
    for (const w of watchers) w.close();
    watchers = [];
    const seen = new Set<string>();
    for (const [folder, name] of watchTargets(path)) {
      const key = `${folder}\0${name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      try {
        const w = watch(folder, { persistent: false }, (_event, file) => {
          if (file === null || file === name) fire('file');
        });
        // A watch error (folder removed, too many watches) must not kill the daemon; SIGHUP still works.
        w.on('error', () => {});
        watchers.push(w);
      } catch {
        // A folder that does not exist (yet): its parent's watch sees it appear.
      }
    }
  };
  const fire = (reason: 'SIGHUP' | 'file') => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      if (closed) return;
      // Folders may have been replaced and the symlink retargeted: watch what the path names now.
      rewatch();
      onChange(reason);
    }, debounceMs);
  };
  const onHup = () => fire('SIGHUP');
  process.on('SIGHUP', onHup);
  rewatch();
  return {
    close() {
      closed = true;
      process.off('SIGHUP', onHup);
      for (const w of watchers) w.close();
      watchers = [];
      if (timer) clearTimeout(timer);
    },
  };
}
