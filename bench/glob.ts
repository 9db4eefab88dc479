/**
 * What a crafted glob costs now that matching never backtracks: steps and time per match for the
 * issue's patterns and the matcher's own worst cases at the limits (pattern 1,024 characters, key
 * 512), beside the bound (server/contexts/glob.ts, matchStepBound), and a whole-scope Query with the
 * worst pattern over keys at the limit, in process (memory store). `npx tsx bench/glob.ts`; prints
 * figures, asserts nothing.
 */
import { compileGlob, countMatchSteps, matchStepBound } from "../server/contexts/glob.js";
import { createFabric } from "../server/fabric.js";
import { createMemoryStore } from "../server/store/memory.js";
import { machineLine } from "./lib.js";

const KEY = 512;
const a = (n: number) => "a".repeat(n);
const CASES: Array<[string, string, string]> = [
  ["issue: s:*a×10*b", "s:" + "*a".repeat(10) + "*b", "s:" + a(KEY - 2)],
  ["*a×511 *b (1,024 chars)", "*a".repeat(511) + "*b", a(KEY)],
  ["worst: *a×500 b* (16-word Shift-And)", "*" + a(KEY - 12) + "b*", a(KEY)],
  ["*a×255 b*", "*" + a(KEY / 2 - 1) + "b*", a(KEY)],
  ["short segments: (*aaaaaab)×60", ("*" + a(6) + "b").repeat(60) + "*", a(KEY)],
  ["worst with ?: *?×254 ab*", "*" + "?".repeat(KEY / 2 - 2) + "ab*", a(KEY)],
  ["worst with classes: *[a]×255 [b]*", "*" + "[a]".repeat(KEY / 2 - 1) + "[b]*", a(KEY)],
  ["typical: user:*:prefs", "user:*:prefs", "user:" + a(KEY - 12) + ":prefx"],
];

function microsPerMatch(pattern: string, key: string): number {
  const glob = compileGlob(pattern);
  const runs = 2000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) glob.matches(key);
  return Number(process.hrtime.bigint() - start) / 1e3 / runs;
}

async function main(): Promise<void> {
  console.log(machineLine());
  console.log(`bound at key length ${KEY}: ${matchStepBound(KEY)} steps`);
  for (const [name, pattern, key] of CASES) {
    const { steps } = countMatchSteps(compileGlob(pattern), key);
    microsPerMatch(pattern, key); // warm-up
    console.log(`${name.padEnd(36)} ${String(steps).padStart(6)} steps  ${microsPerMatch(pattern, key).toFixed(1).padStart(7)} µs/match`);
  }
  const fabric = createFabric({ store: createMemoryStore() });
  const keys = 1000;
  await fabric.batch(Array.from({ length: keys }, (_, i) => ({ op: "set" as const, key: a(KEY - 4) + String(i).padStart(4, "0"), value: i })));
  const start = process.hrtime.bigint();
  await fabric.query({ pattern: "*" + a(KEY - 12) + "b*", limit: 1000 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  console.log(`Query, worst pattern, ${keys} keys of ${KEY} characters (no match, whole scope scanned): ${ms.toFixed(1)} ms`);
  await fabric.close();
  console.log(machineLine());
}

void main();
