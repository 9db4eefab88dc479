import { dot as jsDot } from "./vector-math.js";

/**
 * Where the in-process index keeps its floats, and the one operation it spends its time on: the dot
 * product of two stored rows.
 *
 * Scoring is ~90% of HNSW build and search time. V8 does not vectorise JavaScript, so a 512-dim dot
 * product costs ~700 ns in JS; the WebAssembly SIMD kernel below (f32x4, two accumulators) does it in
 * ~100 ns, which makes a 100k-vector graph buildable in minutes instead of tens of minutes. The
 * kernel needs the vectors inside its linear memory, so the floats live in a `WebAssembly.Memory`
 * and the JavaScript side sees them through a Float32Array view.
 *
 * Where WebAssembly SIMD is unavailable (validation fails), a plain JS kernel over an ordinary
 * Float32Array with the same byte-offset interface takes over; results agree to float32 rounding.
 */
export interface DotKernel {
  /** True when the WebAssembly SIMD kernel is in use. */
  readonly simd: boolean;
  /** View of all floats. Replaced when `reserve` grows the memory: re-read it after any reserve. */
  readonly f32: Float32Array;
  /** Grows the memory (keeping its content) so that it holds at least `floats` floats. */
  reserve(floats: number): void;
  /**
   * Dot product of the `n` floats at byte offset `a` and those at byte offset `b`. A plain function
   * (no `this`), so hot loops can hold it in a local.
   */
  readonly dot: (a: number, b: number, n: number) => number;
}

/**
 * The slice of the WebAssembly JS API used here, typed locally: the project compiles without the DOM
 * lib, which is where TypeScript declares `WebAssembly`.
 */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(deltaPages: number): number;
}
interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}
type WasmModule = { readonly __wasmModule: unique symbol };
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

const PAGE_BYTES = 65_536;
/** wasm32 linear memory tops out at 4 GiB (65,536 pages). */
const MAX_PAGES = 65_536;

/**
 * A kernel with room for `floats` floats. `preferSimd: false` forces the JS kernel (tests compare
 * the two).
 */
export function createDotKernel(floats: number, preferSimd = true): DotKernel {
  if (preferSimd && simdModule() !== undefined) return new WasmKernel(floats);
  return new JsKernel(floats);
}

class WasmKernel implements DotKernel {
  readonly simd = true;
  f32: Float32Array;
  readonly dot: (a: number, b: number, n: number) => number;
  private readonly memory: WasmMemory;

  constructor(floats: number) {
    const api = wasm as WasmApi;
    this.memory = new api.Memory({ initial: pagesFor(floats), maximum: MAX_PAGES });
    const instance = new api.Instance(simdModule() as WasmModule, { env: { memory: this.memory } });
    this.dot = instance.exports.dot as (a: number, b: number, n: number) => number;
    this.f32 = new Float32Array(this.memory.buffer);
  }

  reserve(floats: number): void {
    const pages = pagesFor(floats);
    const have = this.memory.buffer.byteLength / PAGE_BYTES;
    if (pages <= have) return;
    // Grow at least by doubling so appends stay amortised O(1).
    const target = Math.min(MAX_PAGES, Math.max(pages, have * 2));
    try {
      this.memory.grow(target - have);
    } catch (cause) {
      throw new RangeError(`vector index: cannot grow vector memory to ${target * PAGE_BYTES} bytes`, { cause });
    }
    this.f32 = new Float32Array(this.memory.buffer);
  }
}

class JsKernel implements DotKernel {
  readonly simd = false;
  f32: Float32Array;
  readonly dot: (a: number, b: number, n: number) => number;

  constructor(floats: number) {
    this.f32 = new Float32Array(Math.max(4, floats));
    this.dot = (a, b, n) => jsDot(this.f32, a >> 2, this.f32, b >> 2, n);
  }

  reserve(floats: number): void {
    if (floats <= this.f32.length) return;
    const next = new Float32Array(Math.max(floats, this.f32.length * 2));
    next.set(this.f32);
    this.f32 = next;
  }
}

function pagesFor(floats: number): number {
  const pages = Math.max(1, Math.ceil((floats * 4) / PAGE_BYTES));
  if (pages > MAX_PAGES) throw new RangeError(`vector index: ${floats} floats exceed the 4 GiB WebAssembly memory limit`);
  return pages;
}

let compiled: WasmModule | null | undefined;

/** The compiled SIMD module, or undefined when this runtime cannot validate it. Compiled once. */
function simdModule(): WasmModule | undefined {
  if (compiled === undefined) {
    const bytes = assembleDotModule();
    compiled = wasm !== undefined && wasm.validate(bytes) ? new wasm.Module(bytes) : null;
  }
  return compiled ?? undefined;
}

/**
 * Assembles the kernel's WebAssembly binary. Written out instruction by instruction instead of
 * shipped as an opaque blob, so it can be reviewed. In text format it is:
 *
 * ```wat
 * (module
 *   (import "env" "memory" (memory 1))
 *   (func (export "dot") (param $a i32) (param $b i32) (param $n i32) (result f32)
 *     (local $end i32) (local $acc0 v128) (local $acc1 v128) (local $tail f32)
 *     ;; 8 floats per step in two independent f32x4 accumulators (hides add latency)
 *     (local.set $end (i32.add (local.get $a) (i32.shl (i32.and (local.get $n) (i32.const -8)) (i32.const 2))))
 *     (block (loop
 *       (br_if 1 (i32.ge_u (local.get $a) (local.get $end)))
 *       (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b)))))
 *       (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (v128.load offset=16 (local.get $a)) (v128.load offset=16 (local.get $b)))))
 *       (local.set $a (i32.add (local.get $a) (i32.const 32)))
 *       (local.set $b (i32.add (local.get $b) (i32.const 32)))
 *       (br 0)))
 *     ;; the remaining n mod 8 floats one at a time
 *     (local.set $end (i32.add (local.get $a) (i32.shl (i32.and (local.get $n) (i32.const 7)) (i32.const 2))))
 *     (block (loop
 *       (br_if 1 (i32.ge_u (local.get $a) (local.get $end)))
 *       (local.set $tail (f32.add (local.get $tail) (f32.mul (f32.load (local.get $a)) (f32.load (local.get $b)))))
 *       (local.set $a (i32.add (local.get $a) (i32.const 4)))
 *       (local.set $b (i32.add (local.get $b) (i32.const 4)))
 *       (br 0)))
 *     (local.set $acc0 (f32x4.add (local.get $acc0) (local.get $acc1)))
 *     (f32.add
 *       (f32.add (f32.add (f32x4.extract_lane 0 (local.get $acc0)) (f32x4.extract_lane 1 (local.get $acc0)))
 *                (f32.add (f32x4.extract_lane 2 (local.get $acc0)) (f32x4.extract_lane 3 (local.get $acc0))))
 *       (local.get $tail))))
 * ```
 */
export function assembleDotModule(): Uint8Array {
  const [A, B, N, END, ACC0, ACC1, TAIL] = [0, 1, 2, 3, 4, 5, 6];
  const I32 = 0x7f;
  const F32 = 0x7d;
  const V128 = 0x7b;
  const get = (i: number) => [0x20, i];
  const set = (i: number) => [0x21, i];
  const i32const = (v: number) => [0x41, ...sleb(v)];
  const simd = (op: number) => [0xfd, ...uleb(op)];
  const v128load = (offset: number) => [...simd(0x00), 4, ...uleb(offset)];
  const f32load = [0x2a, 2, 0];
  const [I32_ADD, I32_AND, I32_SHL, I32_GE_U] = [0x6a, 0x71, 0x74, 0x4f];
  const [F32_ADD, F32_MUL] = [0x92, 0x94];
  const F32X4_ADD = simd(0xe4);
  const F32X4_MUL = simd(0xe6);
  const lane = (l: number) => [...simd(0x1f), l];
  const BLOCK = [0x02, 0x40];
  const LOOP = [0x03, 0x40];
  const END_ = 0x0b;
  const brIf = (depth: number) => [0x0d, depth];
  const br = (depth: number) => [0x0c, depth];
  const advance = (by: number) => [...get(A), ...i32const(by), I32_ADD, ...set(A), ...get(B), ...i32const(by), I32_ADD, ...set(B)];

  const body = [
    ...get(N), ...i32const(-8), I32_AND, ...i32const(2), I32_SHL, ...get(A), I32_ADD, ...set(END),
    ...BLOCK, ...LOOP,
    ...get(A), ...get(END), I32_GE_U, ...brIf(1),
    ...get(ACC0), ...get(A), ...v128load(0), ...get(B), ...v128load(0), ...F32X4_MUL, ...F32X4_ADD, ...set(ACC0),
    ...get(ACC1), ...get(A), ...v128load(16), ...get(B), ...v128load(16), ...F32X4_MUL, ...F32X4_ADD, ...set(ACC1),
    ...advance(32), ...br(0), END_, END_,
    ...get(N), ...i32const(7), I32_AND, ...i32const(2), I32_SHL, ...get(A), I32_ADD, ...set(END),
    ...BLOCK, ...LOOP,
    ...get(A), ...get(END), I32_GE_U, ...brIf(1),
    ...get(TAIL), ...get(A), ...f32load, ...get(B), ...f32load, F32_MUL, F32_ADD, ...set(TAIL),
    ...advance(4), ...br(0), END_, END_,
    ...get(ACC0), ...get(ACC1), ...F32X4_ADD, ...set(ACC0),
    ...get(ACC0), ...lane(0), ...get(ACC0), ...lane(1), F32_ADD,
    ...get(ACC0), ...lane(2), ...get(ACC0), ...lane(3), F32_ADD, F32_ADD,
    ...get(TAIL), F32_ADD,
    END_,
  ];
  const locals = vec([[1, I32], [2, V128], [1, F32]]);
  const func = [...locals, ...body];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
    ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32]]), ...vec([[F32]])]])), // type: (i32 i32 i32) -> f32
    ...section(2, vec([[...str("env"), ...str("memory"), 0x02, 0x00, 0x01]])), // import memory, min 1 page
    ...section(3, vec([[0]])), // one function of type 0
    ...section(7, vec([[...str("dot"), 0x00, 0]])), // export "dot" = func 0
    ...section(10, vec([[...uleb(func.length), ...func]])), // code
  ];
  return Uint8Array.from(bytes);
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function str(s: string): number[] {
  const bytes = [...Buffer.from(s, "utf8")];
  return [...uleb(bytes.length), ...bytes];
}

function section(id: number, payload: number[]): number[] {
  return [id, ...uleb(payload.length), ...payload];
}
