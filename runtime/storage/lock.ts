// An exclusive lock across processes on a local lake, with fencing.
//
// The lock is a folder (`<file>.lock/`) holding its owner: pid, host, the process's start time and a random token.
// It is taken by renaming a prepared folder into place, so it never exists without its owner. A lock whose owner is
// dead (same host, the pid is gone or belongs to a newer process) is taken over at once; one whose owner lives but
// has held it longer than STRATA_LOCK_STALE_MS (default 30 s: a process stopped by SIGSTOP, a long pause, a slow
// disk) is taken over too, and then the old owner must not write anything any more. That is the fence: every write
// made under the lock is prepared as a file *inside the lock folder* (named with the owner's token) and only renamed
// to its destination after the owner has been checked. Taking a lock over renames the old folder away, so a file the
// old owner prepared is gone from the path it will rename from (ENOENT), and a file it prepares later lands in the
// new owner's folder where the check finds another token. Either way its write fails with LockLost, and nothing of
// it reaches the destination. (The same trick as a fencing token, with rename(2) as the only atomic step.)
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { lstat, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fault } from '../util/fault.ts';
import { StorageError } from './port.ts';
import { whenFull } from './full.ts';

/** How long a live owner may hold a lock before it is taken over (its writes are then fenced). */
export const LOCK_STALE_MS = Number(process.env.STRATA_LOCK_STALE_MS) || 30_000;

const OWNER = 'owner.json';

export interface LockOwner {
  pid: number;
  host: string;
  /** The process's start time (Linux: clock ticks since boot, /proc/<pid>/stat field 22): tells a reused pid apart. */
  start?: string;
  token: string;
  /** When the lock was taken (ISO). */
  at: string;
}

/** The holder's write was refused: another process took the lock over (this one was stopped or too slow). */
export class LockLost extends StorageError {}

/** What the holder of a lock writes with. Nothing written otherwise is fenced. */
export interface HeldLock {
  /** A path inside the lock folder for a file that move() will put in place. */
  temp(name: string): string;
  /** Rename a temp file to its destination, if this process still holds the lock (else LockLost, nothing moved). */
  move(temp: string, dest: string, point?: string): Promise<void>;
  /** Replace dest with text, atomically and fenced. `point` names the fault point right before the rename. */
  write(dest: string, text: string | Buffer, point?: string): Promise<void>;
}

/** Run fn while holding the lock at lockPath (a folder). Waits for a live owner, takes over a dead or stale one. */
export async function withLock<T>(lockPath: string, fn: (lock: HeldLock) => Promise<T>, timeoutMs = 120_000): Promise<T> {
  const me: LockOwner = { pid: process.pid, host: hostname(), ...startField(process.pid), token: randomUUID(), at: '' };
  const staged = `${lockPath}.new-${me.token}`;
  const started = Date.now();
  let wait = 5;
  let acquired = false;
  try {
    for (;;) {
      me.at = new Date().toISOString();
      await mkdir(staged, { recursive: true }).catch((e) => { throw whenFull(e, staged); });
      await writeFile(join(staged, OWNER), JSON.stringify(me)).catch((e) => { throw whenFull(e, staged); });
      try {
        await rename(staged, lockPath);
        acquired = true;
        break;
      } catch (e) {
        // ENOTEMPTY/EEXIST: a lock folder is there; ENOTDIR: a lock file of an older strata is there.
        if (!['ENOTEMPTY', 'EEXIST', 'ENOTDIR', 'EISDIR'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
      }
      const held = await readOwner(lockPath);
      if (held === undefined) continue; // released meanwhile
      if (!ownerAlive(held) || Date.now() - Date.parse(held.at) > LOCK_STALE_MS) {
        await takeOver(lockPath, me.token);
        continue;
      }
      if (Date.now() - started > timeoutMs) {
        throw new StorageError(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for lock ${lockPath}, held by process ${held.pid} on ${held.host} since ${held.at}`);
      }
      await new Promise((r) => setTimeout(r, wait + Math.random() * wait));
      wait = Math.min(wait * 2, 200);
    }
  } finally {
    // Renamed into place, the staged folder is the lock: nothing is left to remove.
    if (!acquired) await rm(staged, { recursive: true, force: true });
  }
  try {
    return await fn(held(lockPath, me.token));
  } finally {
    await release(lockPath, me.token);
  }
}

/** The owner of a lock, or undefined when there is none. A lock file of an older strata holds only a pid. */
export async function readOwner(lockPath: string): Promise<LockOwner | undefined> {
  const st = await lstat(lockPath).catch(() => undefined);
  if (!st) return undefined;
  if (!st.isDirectory()) {
    const pid = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim()) || 0;
    return { pid, host: hostname(), token: '', at: st.mtime.toISOString() };
  }
  const text = await readFile(join(lockPath, OWNER), 'utf8').catch(() => undefined);
  try {
    return JSON.parse(text!) as LockOwner;
  } catch {
    return { pid: 0, host: '', token: '', at: st.mtime.toISOString() }; // unknown owner: only its age counts
  }
}

/** False when the owner certainly died: same host, and its pid is gone or now belongs to a later process. */
export function ownerAlive(o: LockOwner): boolean {
  if (o.host !== hostname() || !(o.pid > 0)) return true;
  try {
    process.kill(o.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const now = startField(o.pid).start;
  return !(o.start && now && now !== o.start);
}

function startField(pid: number): { start?: string } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    return start ? { start } : {};
  } catch {
    return {}; // not Linux, or the process is gone
  }
}

/** Rename the lock folder away (atomic: whoever prepared a file in it can no longer rename it), then delete it. */
async function takeOver(lockPath: string, token: string): Promise<void> {
  const aside = `${lockPath}.stale-${token}`;
  try {
    await rename(lockPath, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  await rm(aside, { recursive: true, force: true });
}

async function release(lockPath: string, token: string): Promise<void> {
  // Taken over meanwhile: the lock is another process's now, not ours to remove.
  if ((await readOwner(lockPath))?.token !== token) return;
  await takeOver(lockPath, `done-${token}`);
}

function held(lockPath: string, token: string): HeldLock {
  const lost = () => new LockLost(`lock ${lockPath} was taken over by another process while this one held it (stopped or too slow for ${LOCK_STALE_MS / 1000} s): its write was refused`);
  const lock: HeldLock = {
    temp: (name) => join(lockPath, `${token}-${name}`),
    async move(temp, dest, point) {
      if ((await readOwner(lockPath))?.token !== token) {
        await rm(temp, { force: true });
        throw lost();
      }
      if (point) fault(point);
      try {
        await rename(temp, dest);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        // The temp file went away with the lock folder: fenced. (Or dest's folder is missing: say that.)
        if (await lstat(dirname(dest)).then(() => true, () => false)) throw lost();
        throw e;
      }
    },
    async write(dest, text, point) {
      const temp = lock.temp(`w-${Math.random().toString(36).slice(2)}`);
      try {
        await mkdir(dirname(dest), { recursive: true });
        await writeFile(temp, text);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw lost();
        await rm(temp, { force: true });
        throw whenFull(e, dest);
      }
      await lock.move(temp, dest, point);
    },
  };
  return lock;
}

/** A lock, or a folder of an acquisition (.new-) or a takeover/release (.stale-) cut short, and whether its process lives. */
export type LockLeftover = { path: string; kind: 'lock' | 'acquiring' | 'removing'; owner: LockOwner | undefined; alive: boolean };

/** Locks and their leftovers among the entries of one folder (strata doctor). */
export async function locksIn(dir: string, names: readonly string[]): Promise<LockLeftover[]> {
  const out: LockLeftover[] = [];
  for (const name of names) {
    const m = /\.lock(?:\.(new|stale)-.+)?$/.exec(name);
    if (!m) continue;
    const path = join(dir, name);
    const owner = await readOwner(path);
    const kind = !m[1] ? 'lock' : m[1] === 'new' ? 'acquiring' : 'removing';
    // A takeover or release folder exists for a moment only, while its process deletes it: an old one means it died.
    // (Young, but its owner known and dead: dead. It was said to be taken by a process that had been killed: stop 50.)
    const alive = kind === 'removing'
      ? Date.now() - ((await lstat(path).catch(() => undefined))?.mtimeMs ?? 0) < LOCK_STALE_MS && (owner === undefined || ownerAlive(owner))
      : owner !== undefined && ownerAlive(owner);
    out.push({ path, kind, owner, alive });
  }
  return out;
}

/** Remove a lock (or leftover) whose process is dead; a lock another process took meanwhile is left alone. */
export async function removeDeadLock(l: LockLeftover): Promise<boolean> {
  if (l.kind !== 'lock') {
    await rm(l.path, { recursive: true, force: true });
    return true;
  }
  const now = await readOwner(l.path);
  if (!now || now.token !== l.owner?.token || ownerAlive(now)) return false;
  await takeOver(l.path, `doctor-${randomUUID()}`);
  return true;
}
