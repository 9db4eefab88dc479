/**
 * A small builder for ONNX graphs on top of the `onnx-proto` protobuf classes. The converter and the
 * tests' tiny BERT both use it, so there is one place that knows how ONNX spells tensors, attributes
 * and value infos. Tensors are written as little-endian `raw_data`, which is what onnxruntime reads
 * fastest and what ONNX requires for raw data.
 */
import { onnx } from "onnx-proto";

/** Element types this project writes. */
export type ElemType = "float" | "int64" | "bool";

const ELEM: Record<ElemType, onnx.TensorProto.DataType> = {
  float: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
  bool: onnx.TensorProto.DataType.BOOL,
};

/** ONNX data type number of an element type (the value Cast's `to` attribute takes). */
export function elemTypeCode(t: ElemType): number {
  return ELEM[t];
}

/**
 * An attribute value. A plain number is an INT when it is an integer and a FLOAT otherwise; use
 * `{ float }` for a float that happens to be whole.
 */
export type AttrValue = number | string | number[] | { float: number } | { floats: number[] } | { tensor: onnx.ITensorProto };

/** A dimension of a graph input/output: a fixed size or a symbolic name. */
export type Dim = number | string;

/** Largest int64 ONNX Slice accepts as "to the end"; written as a bigint so it survives exactly. */
export const INT64_MAX = 9223372036854775807n;
export const INT64_MIN = -9223372036854775808n;

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** Builds one TensorProto from typed data. `number[]`/`bigint[]` int data becomes int64. */
export function makeTensor(
  name: string,
  type: ElemType,
  dims: readonly number[],
  data: Float32Array | BigInt64Array | Uint8Array | readonly number[] | readonly bigint[],
): onnx.ITensorProto {
  let raw: Uint8Array;
  if (type === "float") {
    raw = bytesOf(data instanceof Float32Array ? data : Float32Array.from(data as number[]));
  } else if (type === "int64") {
    raw = bytesOf(
      data instanceof BigInt64Array ? data : BigInt64Array.from((data as ReadonlyArray<number | bigint>), (v) => BigInt(v)),
    );
  } else {
    raw = data instanceof Uint8Array ? data : Uint8Array.from(data as number[], (v) => (v ? 1 : 0));
  }
  const expected = dims.reduce((a, b) => a * b, 1) * (type === "bool" ? 1 : type === "float" ? 4 : 8);
  if (raw.byteLength !== expected) throw new Error(`tensor ${name}: ${raw.byteLength} bytes for dims [${dims}]`);
  return { name, dims: [...dims], dataType: ELEM[type], rawData: raw };
}

function makeAttr(name: string, value: AttrValue): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === "number") {
    return Number.isInteger(value) ? { name, type: T.INT, i: value } : { name, type: T.FLOAT, f: value };
  }
  if (typeof value === "string") return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value };
  if ("float" in value) return { name, type: T.FLOAT, f: value.float };
  if ("floats" in value) return { name, type: T.FLOATS, floats: value.floats };
  return { name, type: T.TENSOR, t: value.tensor };
}

function valueInfo(name: string, type: ElemType, dims: readonly Dim[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEM[type],
        shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/**
 * Accumulates nodes, initializers, inputs and outputs. Names handed out by `fresh` never collide with
 * each other; callers keep their own names unique.
 */
export class OnnxGraphBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private counter = 0;

  constructor(private readonly opset = 17) {}

  /** A new unique value name with a readable prefix. */
  fresh(prefix: string): string {
    return `${prefix}__${this.counter++}`;
  }

  input(name: string, type: ElemType, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  output(name: string, type: ElemType, dims: readonly Dim[]): void {
    this.outputs.push(valueInfo(name, type, dims));
  }

  /** Adds a weight/constant as an initializer and returns its name. */
  initializer(tensor: onnx.ITensorProto): string {
    this.initializers.push(tensor);
    return tensor.name!;
  }

  /** Shorthand for an int64 constant (shapes, axes, indices). */
  int64(name: string, values: ReadonlyArray<number | bigint>, dims: readonly number[] = [values.length]): string {
    return this.initializer(makeTensor(this.fresh(name), "int64", dims, values as readonly bigint[]));
  }

  /** Shorthand for a float constant. */
  float(name: string, values: readonly number[] | Float32Array, dims: readonly number[] = [values.length]): string {
    return this.initializer(makeTensor(this.fresh(name), "float", dims, values as number[]));
  }

  /**
   * Appends a node. With `outputs` a number, that many fresh output names are made; with names, those
   * are used. Returns the output names.
   */
  node(
    opType: string,
    inputs: readonly string[],
    outputs: number | readonly string[] = 1,
    attrs: Record<string, AttrValue> = {},
    name?: string,
  ): string[] {
    const outs = typeof outputs === "number" ? Array.from({ length: outputs }, () => this.fresh(opType)) : [...outputs];
    this.nodes.push({
      name: name ?? this.fresh(`n_${opType}`),
      opType,
      input: [...inputs],
      output: outs,
      attribute: Object.entries(attrs).map(([k, v]) => makeAttr(k, v)),
    });
    return outs;
  }

  /** Appends a single-output node and returns its output name. */
  op(opType: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, output?: string): string {
    return this.node(opType, inputs, output === undefined ? 1 : [output], attrs)[0]!;
  }

  /**
   * Serialises the model. `metadata` ends up in the model's `metadata_props`. Initializers no node
   * reads (e.g. constants a converter only needed at conversion time) are left out.
   */
  build(graphName: string, metadata: Record<string, string> = {}): Uint8Array {
    const used = new Set(this.nodes.flatMap((n) => n.input ?? []));
    const model = onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: "", version: this.opset }],
      producerName: "cache-fabric",
      producerVersion: "1",
      graph: {
        name: graphName,
        node: this.nodes,
        initializer: this.initializers.filter((t) => used.has(t.name!)),
        input: this.inputs,
        output: this.outputs,
      },
      metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
