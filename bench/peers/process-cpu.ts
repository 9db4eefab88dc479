/**
 * CPU time of a process and all its descendants, read from /proc (utime + stime, Linux only). A
 * server started through tsx runs in a child of the tsx launcher, and a cluster primary's work is
 * in its workers: summing the tree measures what the server costs whatever its shape. Threads
 * (libuv, onnxruntime, Go's runtime in etcd) are inside their process's figures.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** Seconds of CPU a process has used so far, however it is read (below, or Redis' INFO cpu: redis-peer.ts). */
export type CpuMeter = () => number | Promise<number>;

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  return ticksPerSecond;
}

interface ProcStat {
  pid: number;
  ppid: number;
  ticks: number;
}

function readStat(pid: string): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
    const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
    // rest[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
    return { pid: Number(pid), ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]) };
  } catch {
    return undefined; // exited while we looked
  }
}

/** Seconds of CPU used so far by `rootPid` and every live descendant. */
export function treeCpuSeconds(rootPid: number): number {
  const all = readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(readStat)
    .filter((s): s is ProcStat => s !== undefined);
  const children = new Map<number, ProcStat[]>();
  for (const s of all) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const root = all.find((s) => s.pid === rootPid);
  if (!root) throw new Error(`no process ${rootPid}`);
  let ticks = 0;
  const stack = [root];
  while (stack.length > 0) {
    const s = stack.pop()!;
    ticks += s.ticks;
    stack.push(...(children.get(s.pid) ?? []));
  }
  return ticks / clockTicks();
}

/** The pids of `rootPid`'s direct children (cluster workers, the tsx launcher's child). */
export function childPids(rootPid: number): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(readStat)
    .filter((s) => s?.ppid === rootPid)
    .map((s) => s!.pid);
}
