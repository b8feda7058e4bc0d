// Named fault points: places where the fault harness (test/harness/) kills, stops or fails a process to prove that
// the lake's invariants survive it. Armed by the environment of the process:
//
//   STRATA_FAULT=<point>[:<action>][@<n>][,<point>…]
//     action  kill (default: SIGKILL, no cleanup, like kill -9 or a power cut) · stop (SIGSTOP, like a long pause)
//             enospc (throw the error a full disk gives: ENOSPC, no path) · error (throw a plain error) ·
//             econnreset (throw the error a dropped connection gives, which a step reports as Strata.Transient and
//             Step Functions retries: a Lambda that did its work and then lost its answer)
//     @n      act on the n-th time the point is reached in this process (default: the first); @* every time
//
// Unset (every real run), fault() is one comparison against undefined.

export type FaultAction = 'kill' | 'stop' | 'enospc' | 'error' | 'econnreset';

interface Armed {
  action: FaultAction;
  /** The hit to act on (1-based); 0: every hit. */
  at: number;
  hits: number;
}

let armed: Map<string, Armed> | undefined = parse(process.env.STRATA_FAULT);

/** Arm faults in this process (tests in-process); undefined disarms them. Same syntax as STRATA_FAULT. */
export function armFaults(spec: string | undefined): void {
  armed = parse(spec);
}

/** A named point: does nothing unless STRATA_FAULT names it. */
export function fault(point: string): void {
  if (armed === undefined) return;
  const a = armed.get(point);
  if (!a || (++a.hits !== a.at && a.at !== 0)) return;
  if (a.action === 'kill') process.kill(process.pid, 'SIGKILL');
  if (a.action === 'stop') process.kill(process.pid, 'SIGSTOP');
  if (a.action === 'enospc') {
    // What Node gives for a write to a full disk: no path, only the system call.
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
  }
  if (a.action === 'error') throw new Error(`fault injected at ${point}`);
  if (a.action === 'econnreset') throw Object.assign(new Error(`read ECONNRESET (fault injected at ${point})`), { code: 'ECONNRESET', errno: -104, syscall: 'read' });
}

function parse(spec: string | undefined): Map<string, Armed> | undefined {
  if (!spec) return undefined;
  const out = new Map<string, Armed>();
  for (const item of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-z0-9_.-]+?)(?::(kill|stop|enospc|error|econnreset))?(?:@(\d+|\*))?$/.exec(item);
    if (!m) throw new Error(`STRATA_FAULT: cannot read "${item}" (expected <point>[:kill|stop|enospc|error|econnreset][@n|@*])`);
    out.set(m[1]!, { action: (m[2] as FaultAction | undefined) ?? 'kill', at: m[3] === '*' ? 0 : Number(m[3] ?? 1), hits: 0 });
  }
  return out;
}
