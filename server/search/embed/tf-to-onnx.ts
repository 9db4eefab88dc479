/**
 * Converts a TensorFlow.js graph model (a frozen GraphDef as JSON plus weights) into an ONNX model
 * that onnxruntime-node runs. It maps node by node, covering the ops of Universal Sentence Encoder
 * lite (a two-layer Transformer over sparse token ids) and failing loudly on anything else, so a
 * different graph never converts into something subtly wrong.
 *
 * Invariants of the produced graph:
 * - Every TF integer tensor (int32 or int64) becomes ONNX int64: shapes, indices and axes are int64
 *   in ONNX anyway, and one integer type means no casts between int32 and int64 are ever needed.
 * - bool stays bool, float32 stays float.
 * - Ops that need compile-time values (axes, perms, slice bounds) read them from Const nodes; a
 *   dynamic value there is an error, never a guess.
 */
import type { TfAttr, TfGraphModel, TfNode } from "./tfjs-graph.js";
import { type Dim, type ElemType, INT64_MAX, INT64_MIN, OnnxGraphBuilder, elemTypeCode, makeTensor } from "./onnx-builder.js";

/** What the converted graph's inputs and output are called and shaped. */
export interface ConvertOptions {
  /** Name of the single ONNX output (the TF graph's one unconsumed node). */
  outputName: string;
  /** Output dims; symbolic names allowed. */
  outputDims: Dim[];
  /** Free-text recorded in the model metadata. */
  metadata?: Record<string, string>;
}

interface Value {
  /** ONNX value name. */
  name: string;
  type: ElemType;
  /** Known at conversion time: Const nodes only. */
  constant?: { dims: number[]; data: number[] };
  /** Rank when cheaply known (Const, Placeholder, Transpose); used to transpose matmul operands. */
  rank?: number;
}

// TensorFlow DataType enum values (types.proto) and their names as some exporters write them.
const TF_TYPES: Record<string, ElemType> = {
  "1": "float", DT_FLOAT: "float",
  "3": "int64", DT_INT32: "int64",
  "9": "int64", DT_INT64: "int64",
  "10": "bool", DT_BOOL: "bool",
};

function tfType(attr: TfAttr | undefined, what: string): ElemType {
  const t = TF_TYPES[String(attr?.type)];
  if (!t) throw new Error(`${what}: unsupported TF dtype ${String(attr?.type)}`);
  return t;
}

function attrInt(node: TfNode, key: string, fallback?: number): number {
  const v = node.attr?.[key]?.i;
  if (v === undefined) {
    if (fallback === undefined) throw new Error(`${node.name}: missing attribute ${key}`);
    return fallback;
  }
  return Number(v);
}

function attrBool(node: TfNode, key: string, fallback = false): boolean {
  return node.attr?.[key]?.b ?? fallback;
}

function attrInts(node: TfNode, key: string): number[] {
  return (node.attr?.[key]?.list?.i ?? []).map(Number);
}

function attrString(node: TfNode, key: string): string | undefined {
  const s = node.attr?.[key]?.s;
  if (s === undefined) return undefined;
  if (typeof s === "string") {
    // Protobuf JSON writes bytes as base64.
    return Buffer.from(s, "base64").toString("utf8");
  }
  return Buffer.from(s).toString("utf8");
}

/** The one consumer-less non-Const node: the graph's output. */
function findOutputNode(nodes: readonly TfNode[]): TfNode {
  const consumed = new Set<string>();
  for (const n of nodes) for (const i of n.input ?? []) consumed.add(i.replace(/^\^/, "").replace(/:\d+$/, ""));
  const outs = nodes.filter((n) => !consumed.has(n.name) && n.op !== "Const" && n.op !== "NoOp");
  if (outs.length !== 1) throw new Error(`expected one output node, found ${outs.map((n) => n.name).join(", ") || "none"}`);
  return outs[0]!;
}

/** Orders nodes so every node comes after its inputs (GraphDef JSON is not guaranteed to be sorted). */
function topoSort(nodes: readonly TfNode[]): TfNode[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const done = new Set<string>();
  const order: TfNode[] = [];
  const visit = (n: TfNode): void => {
    // Iterative DFS: the graph is shallow here, but recursion depth should not depend on the model.
    const stack: Array<{ node: TfNode; next: number }> = [{ node: n, next: 0 }];
    const onStack = new Set<string>([n.name]);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const inputs = top.node.input ?? [];
      if (top.next < inputs.length) {
        const dep = inputs[top.next++]!.replace(/^\^/, "").replace(/:\d+$/, "");
        const d = byName.get(dep);
        if (!d) throw new Error(`${top.node.name}: unknown input ${dep}`);
        if (done.has(dep)) continue;
        if (onStack.has(dep)) throw new Error(`cycle through ${dep}`);
        onStack.add(dep);
        stack.push({ node: d, next: 0 });
      } else {
        stack.pop();
        onStack.delete(top.node.name);
        if (!done.has(top.node.name)) {
          done.add(top.node.name);
          order.push(top.node);
        }
      }
    }
  };
  for (const n of nodes) if (!done.has(n.name)) visit(n);
  return order;
}

/**
 * Converts `model` into serialized ONNX bytes. Graph inputs are the TF Placeholders (same names,
 * shapes with -1 turned into symbolic dims); the output is renamed to `options.outputName`.
 */
export function convertTfGraphToOnnx(model: TfGraphModel, options: ConvertOptions): Uint8Array {
  const g = new OnnxGraphBuilder(17);
  const values = new Map<string, Value>();
  const outputNode = findOutputNode(model.nodes);

  const get = (ref: string, user: TfNode): Value => {
    const key = ref.endsWith(":0") ? ref.slice(0, -2) : ref;
    const v = values.get(key);
    if (!v) throw new Error(`${user.name}: input ${ref} was not converted`);
    return v;
  };
  const dataInputs = (n: TfNode): Value[] => (n.input ?? []).filter((i) => !i.startsWith("^")).map((i) => get(i, n));
  const constOf = (v: Value, n: TfNode, what: string): number[] => {
    if (!v.constant) throw new Error(`${n.name} (${n.op}): ${what} must be a constant`);
    return v.constant.data;
  };
  const set = (n: TfNode, v: Value): void => void values.set(n.name, v);
  const out = (n: TfNode, name: string, type: ElemType, rank?: number): void => set(n, { name, type, rank });

  let placeholders = 0;
  for (const n of topoSort(model.nodes)) {
    const ins = n.op === "Const" || n.op === "Placeholder" ? [] : dataInputs(n);
    const a = ins[0]!;
    const b = ins[1]!;
    const elementwise = (op: string, type: ElemType = a.type): void =>
      out(n, g.op(op, ins.map((v) => v.name)), type, a.rank !== undefined && b?.rank !== undefined ? Math.max(a.rank, b.rank) : undefined);

    switch (n.op) {
      case "Const": {
        const w = model.weights.get(n.name);
        if (!w) throw new Error(`${n.name}: Const without a weight (inline constants are not supported)`);
        if (w.dtype === "float32") {
          const name = g.initializer(makeTensor(g.fresh("w"), "float", w.shape, w.data as Float32Array));
          set(n, { name, type: "float", rank: w.shape.length, constant: w.data.length <= 16 ? { dims: w.shape, data: [...w.data] } : undefined });
        } else {
          const data = [...w.data];
          const name = g.initializer(makeTensor(g.fresh("c"), "int64", w.shape, data));
          set(n, { name, type: "int64", rank: w.shape.length, constant: { dims: w.shape, data } });
        }
        break;
      }
      case "Placeholder": {
        const type = tfType(n.attr?.dtype, n.name);
        const dims = n.attr?.shape?.shape?.dim?.map((d, k) =>
          Number(d.size) < 0 ? `${n.name}_d${k}` : Number(d.size),
        );
        if (!dims) throw new Error(`${n.name}: Placeholder without a shape`);
        g.input(n.name, type, dims);
        set(n, { name: n.name, type, rank: dims.length });
        placeholders++;
        break;
      }
      case "Identity":
        set(n, a);
        break;
      case "Add":
      case "AddV2":
      case "BiasAdd":
        if (n.op === "BiasAdd" && (attrString(n, "data_format") ?? "NHWC") !== "NHWC") throw new Error(`${n.name}: only NHWC BiasAdd`);
        elementwise("Add");
        break;
      case "Sub":
        elementwise("Sub");
        break;
      case "Mul":
        elementwise("Mul");
        break;
      case "RealDiv":
        elementwise("Div");
        break;
      case "Maximum":
        elementwise("Max");
        break;
      case "Less":
        elementwise("Less", "bool");
        break;
      case "Greater":
        elementwise("Greater", "bool");
        break;
      case "LogicalNot":
        out(n, g.op("Not", [a.name]), "bool", a.rank);
        break;
      case "Square":
        out(n, g.op("Mul", [a.name, a.name]), a.type, a.rank);
        break;
      case "Rsqrt":
        out(n, g.op("Reciprocal", [g.op("Sqrt", [a.name])]), a.type, a.rank);
        break;
      case "Sqrt":
      case "Tanh":
      case "Relu":
      case "Sin":
      case "Cos":
        out(n, g.op(n.op, [a.name]), a.type, a.rank);
        break;
      case "Softmax":
        // TF softmax is over the last axis, as is ONNX Softmax from opset 13 on.
        out(n, g.op("Softmax", [a.name], { axis: -1 }), a.type, a.rank);
        break;
      case "Cast": {
        const to = tfType(n.attr?.DstT, n.name);
        out(n, to === a.type ? g.op("Identity", [a.name]) : g.op("Cast", [a.name], { to: elemTypeCode(to) }), to, a.rank);
        break;
      }
      case "Shape":
        out(n, g.op("Shape", [a.name]), "int64", 1);
        break;
      case "Where": {
        if (ins.length !== 1) throw new Error(`${n.name}: only the one-input (coordinates) form of Where`);
        // TF returns [num_true, rank] in row-major order; ONNX NonZero returns the transpose of that.
        out(n, g.op("Transpose", [g.op("NonZero", [a.name])], { perm: [1, 0] }), "int64", 2);
        break;
      }
      case "Reshape":
        // allowzero: a 0 in the shape means a zero-sized dim, as in TF (ONNX's default copies the input dim).
        out(n, g.op("Reshape", [a.name, b.name], { allowzero: 1 }), a.type, b.constant ? b.constant.data.length : undefined);
        break;
      case "ExpandDims": {
        const axis = constOf(b, n, "axis");
        out(n, g.op("Unsqueeze", [a.name, g.int64("axes", axis)]), a.type, a.rank === undefined ? undefined : a.rank + 1);
        break;
      }
      case "Squeeze": {
        const dims = attrInts(n, "squeeze_dims");
        if (!dims.length) throw new Error(`${n.name}: Squeeze without squeeze_dims needs static shapes`);
        out(n, g.op("Squeeze", [a.name, g.int64("axes", dims)]), a.type, a.rank === undefined ? undefined : a.rank - dims.length);
        break;
      }
      case "GatherV2": {
        if (attrInt(n, "batch_dims", 0) !== 0) throw new Error(`${n.name}: batch_dims is not supported`);
        const axis = constOf(ins[2]!, n, "axis")[0]!;
        out(n, g.op("Gather", [a.name, b.name], { axis }), a.type);
        break;
      }
      case "GatherNd":
        out(n, g.op("GatherND", [a.name, b.name]), a.type);
        break;
      case "ScatterNd": {
        // TF ScatterNd scatters into zeros and sums duplicate indices: ScatterND with reduction "add".
        const [indices, updates, shape] = ins as [Value, Value, Value];
        const zero = makeTensor(g.fresh("zero"), updates.type, [1], updates.type === "float" ? [0] : [0n]);
        const base = g.op("ConstantOfShape", [shape.name], { value: { tensor: zero } });
        out(n, g.op("ScatterND", [base, indices.name, updates.name], { reduction: "add" }), updates.type);
        break;
      }
      case "SparseToDense": {
        const [indices, shape, vals, fill] = ins as [Value, Value, Value, Value];
        // Dense tensor full of the default value, then the given entries written over it. Indices are
        // unique here (the tokenizer makes one entry per position), which ScatterND requires.
        const base = g.op("Expand", [fill.name, shape.name]);
        out(n, g.op("ScatterND", [base, indices.name, vals.name]), vals.type);
        break;
      }
      case "Max":
      case "Mean":
      case "Prod":
      case "Sum": {
        const axes = constOf(b, n, "reduction axes");
        const keepdims = attrBool(n, "keep_dims") ? 1 : 0;
        const op = { Max: "ReduceMax", Mean: "ReduceMean", Prod: "ReduceProd", Sum: "ReduceSum" }[n.op]!;
        // Opset 17: ReduceSum takes axes as an input, the others as an attribute.
        const name = op === "ReduceSum"
          ? g.op(op, [a.name, g.int64("axes", axes)], { keepdims })
          : g.op(op, [a.name], { axes, keepdims });
        out(n, name, a.type, a.rank === undefined ? undefined : keepdims ? a.rank : a.rank - axes.length);
        break;
      }
      case "ConcatV2": {
        const axis = constOf(ins[ins.length - 1]!, n, "axis")[0]!;
        const parts = ins.slice(0, -1);
        out(n, g.op("Concat", parts.map((v) => v.name), { axis }), parts[0]!.type, parts[0]!.rank);
        break;
      }
      case "Pack": {
        const axis = attrInt(n, "axis", 0);
        const axes = g.int64("axes", [axis]);
        const parts = ins.map((v) => g.op("Unsqueeze", [v.name, axes]));
        out(n, g.op("Concat", parts, { axis }), a.type, a.rank === undefined ? undefined : a.rank + 1);
        break;
      }
      case "Transpose": {
        const perm = constOf(b, n, "perm");
        out(n, g.op("Transpose", [a.name], { perm }), a.type, perm.length);
        break;
      }
      case "SplitV": {
        const sizes = constOf(b, n, "size_splits");
        if (sizes.some((s) => s < 0)) throw new Error(`${n.name}: SplitV with an inferred (-1) size`);
        const axis = constOf(ins[2]!, n, "axis")[0]!;
        const outs = g.node("Split", [a.name, g.int64("split", sizes)], sizes.length, { axis });
        outs.forEach((o, k) => values.set(k === 0 ? n.name : `${n.name}:${k}`, { name: o, type: a.type, rank: a.rank }));
        break;
      }
      case "Slice": {
        const begin = constOf(b, n, "begin");
        const size = constOf(ins[2]!, n, "size");
        const ends = begin.map((s, k) => (size[k]! < 0 ? INT64_MAX : BigInt(s + size[k]!)));
        const name = g.op("Slice", [a.name, g.int64("starts", begin), g.int64("ends", ends), g.int64("axes", begin.map((_, k) => k))]);
        out(n, name, a.type, a.rank);
        break;
      }
      case "StridedSlice":
        out(n, stridedSlice(g, n, a, constOf(b, n, "begin"), constOf(ins[2]!, n, "end"), constOf(ins[3]!, n, "strides")), a.type);
        break;
      case "Range":
        out(n, g.op("Range", [a.name, b.name, ins[2]!.name]), a.type, 1);
        break;
      case "MatMul":
        out(n, matmul(g, a, b, attrBool(n, "transpose_a"), attrBool(n, "transpose_b")), a.type);
        break;
      case "BatchMatMul":
      case "BatchMatMulV2":
        out(n, matmul(g, a, b, attrBool(n, "adj_x"), attrBool(n, "adj_y")), a.type, a.rank);
        break;
      case "Conv2D": {
        // Only the 1x1, stride-1 NHWC convolution USE uses as a position-wise dense layer: that is a
        // MatMul with the kernel seen as [in, out], broadcast over batch, height and width.
        const w = model.weights.get((n.input ?? [])[1]!);
        if (!w || w.shape.length !== 4 || w.shape[0] !== 1 || w.shape[1] !== 1) throw new Error(`${n.name}: only 1x1 Conv2D kernels`);
        if ((attrString(n, "data_format") ?? "NHWC") !== "NHWC") throw new Error(`${n.name}: only NHWC Conv2D`);
        const ones = (k: string): boolean => attrInts(n, k).every((v) => v === 1);
        if (!ones("strides") || !ones("dilations")) throw new Error(`${n.name}: only stride/dilation 1 Conv2D`);
        const kernel = g.initializer(makeTensor(g.fresh("conv_kernel"), "float", [w.shape[2]!, w.shape[3]!], w.data as Float32Array));
        out(n, g.op("MatMul", [a.name, kernel]), "float", a.rank);
        break;
      }
      default:
        throw new Error(`${n.name}: TF op ${n.op} is not supported by the converter`);
    }
  }
  if (placeholders === 0) throw new Error("graph has no Placeholder inputs");

  const result = values.get(outputNode.name)!;
  g.op("Identity", [result.name], {}, options.outputName);
  g.output(options.outputName, result.type, options.outputDims);
  return g.build("tfjs_converted", options.metadata ?? {});
}

/** MatMul with optional transposes of the last two dims of either side. */
function matmul(g: OnnxGraphBuilder, a: Value, b: Value, ta: boolean, tb: boolean): string {
  const t = (v: Value): string => {
    if (v.rank === undefined) throw new Error(`transposed matmul operand ${v.name} has unknown rank`);
    const perm = Array.from({ length: v.rank }, (_, k) => k);
    [perm[v.rank - 1], perm[v.rank - 2]] = [perm[v.rank - 2]!, perm[v.rank - 1]!];
    return g.op("Transpose", [v.name], { perm });
  };
  return g.op("MatMul", [ta ? t(a) : a.name, tb ? t(b) : b.name]);
}

/**
 * TF StridedSlice with constant begin/end/strides → ONNX Slice (+ Squeeze for shrunk axes).
 * Supports begin/end/shrink masks; ellipsis and new-axis masks are rejected.
 */
function stridedSlice(g: OnnxGraphBuilder, n: TfNode, x: Value, begin: number[], end: number[], strides: number[]): string {
  if (attrInt(n, "ellipsis_mask", 0) || attrInt(n, "new_axis_mask", 0)) throw new Error(`${n.name}: ellipsis/new-axis masks are not supported`);
  const beginMask = attrInt(n, "begin_mask", 0);
  const endMask = attrInt(n, "end_mask", 0);
  const shrinkMask = attrInt(n, "shrink_axis_mask", 0);
  const starts: bigint[] = [];
  const ends: bigint[] = [];
  const steps: bigint[] = [];
  const shrunk: number[] = [];
  begin.forEach((b, k) => {
    const stride = strides[k]!;
    if (stride === 0) throw new Error(`${n.name}: stride 0`);
    const bit = 1 << k;
    if (shrinkMask & bit) {
      // One element at `b`; -1 means the last one, whose exclusive end is "to the end".
      starts.push(BigInt(b));
      ends.push(b === -1 ? INT64_MAX : BigInt(b + 1));
      steps.push(1n);
      shrunk.push(k);
      return;
    }
    starts.push(beginMask & bit ? (stride > 0 ? 0n : INT64_MAX) : BigInt(b));
    ends.push(endMask & bit ? (stride > 0 ? INT64_MAX : INT64_MIN) : BigInt(end[k]!));
    steps.push(BigInt(stride));
  });
  const axes = begin.map((_, k) => k);
  let y = g.op("Slice", [x.name, g.int64("starts", starts), g.int64("ends", ends), g.int64("axes", axes), g.int64("steps", steps)]);
  if (shrunk.length) y = g.op("Squeeze", [y, g.int64("axes", shrunk)]);
  return y;
}
