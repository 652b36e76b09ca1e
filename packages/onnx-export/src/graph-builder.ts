import { AttributeType, DataType, type AttributeProto, type DataTypeCode, type NodeProto, type TensorProto } from './onnx-proto.js';

/** Node attributes, typed the way ONNX distinguishes them (an int is not a float). */
export const attr = {
  int: (name: string, value: number): AttributeProto => ({ name, type: AttributeType.INT, i: value }),
  ints: (name: string, values: readonly number[]): AttributeProto => ({ name, type: AttributeType.INTS, ints: [...values] }),
  float: (name: string, value: number): AttributeProto => ({ name, type: AttributeType.FLOAT, f: value }),
  string: (name: string, value: string): AttributeProto => ({ name, type: AttributeType.STRING, s: new TextEncoder().encode(value) }),
};

function littleEndianBytes(values: Float32Array | Uint16Array | BigInt64Array): Uint8Array {
  // Typed arrays use host order; every platform ONNX Runtime ships for is little-endian.
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/**
 * Collects the nodes and initialisers of one ONNX graph and hands out unique value names, so
 * that layer converters can say what they compute without tracking names themselves.
 */
export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly taken = new Set<string>();
  private readonly constants = new Map<string, string>();

  /** Claims a name that must stay exactly as given (graph inputs and outputs). */
  reserve(name: string): string {
    if (this.taken.has(name)) throw new Error(`the ONNX value name "${name}" is used twice`);
    this.taken.add(name);
    return name;
  }

  /** base, or base_1, base_2... whichever is free first. */
  uniqueName(base: string): string {
    let name = base;
    for (let suffix = 1; this.taken.has(name); suffix += 1) name = `${base}_${suffix}`;
    this.taken.add(name);
    return name;
  }

  /** Adds a single-output node and returns its output's name (outputName, or one made from hint). */
  node(opType: string, inputs: readonly string[], attributes: readonly AttributeProto[], hint: string, outputName?: string): string {
    const output = outputName ?? this.uniqueName(`${hint}/${opType}`);
    this.nodes.push({ name: output, op_type: opType, input: [...inputs], output: [output], attribute: [...attributes] });
    return output;
  }

  initializer(name: string, dataType: DataTypeCode, dims: readonly number[], raw: Uint8Array): string {
    const unique = this.uniqueName(name);
    this.initializers.push({ name: unique, dims: [...dims], data_type: dataType, raw_data: raw });
    return unique;
  }

  floats(name: string, dims: readonly number[], values: Float32Array): string {
    return this.initializer(name, DataType.FLOAT, dims, littleEndianBytes(values));
  }

  halves(name: string, dims: readonly number[], bits: Uint16Array): string {
    return this.initializer(name, DataType.FLOAT16, dims, littleEndianBytes(bits));
  }

  int64s(name: string, dims: readonly number[], values: readonly number[]): string {
    return this.initializer(name, DataType.INT64, dims, littleEndianBytes(BigInt64Array.from(values, (value) => BigInt(value))));
  }

  /** A float32 scalar shared by every node that needs the same value (Clip bounds, scales). */
  scalar(value: number): string {
    const key = `f32:${Object.is(value, -0) ? '-0' : String(value)}`;
    let name = this.constants.get(key);
    if (name === undefined) {
      name = this.floats(`const_${String(value).replace(/[^\w.-]/g, '_')}`, [], Float32Array.of(value));
      this.constants.set(key, name);
    }
    return name;
  }
}
