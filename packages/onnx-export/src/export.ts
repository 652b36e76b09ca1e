import { createRequire } from 'node:module';
import { ConversionContext, layerError, type Shape, type Value, type WeightPrecision } from './context.js';
import { ExportError, UnsupportedLayerError } from './errors.js';
import { attr, GraphBuilder } from './graph-builder.js';
import { LAYER_CONVERTERS, SUPPORTED_LAYER_TYPES } from './layers/index.js';
import { DataType, encodeModel, IR_VERSION, OPSET, valueInfo, type Dim } from './onnx-proto.js';
import { decodeWeights, type LayersModelArtifacts } from './tfjs-artifacts.js';
import { parseTopology, type LayerSpec, type TensorRef, type Topology } from './topology.js';

/** The batch dimension's name in the ONNX file: any batch size runs. */
export const BATCH_DIM = 'N';

export interface OutputSpec {
  /** Name of the ONNX graph output. */
  readonly name: string;
  /** The model output or inner layer whose (first) output it is. */
  readonly layer: string;
  /** Flatten everything after the batch axis, in channels-last order (as TF.js's dataSync reads it). */
  readonly flatten?: boolean;
}

export interface ExportOptions {
  /** Name of the ONNX graph input; the model's input layer name by default. */
  readonly inputName?: string;
  /** The graph outputs; by default the model's outputs, named after their layers. */
  readonly outputs?: readonly OutputSpec[];
  readonly weightPrecision?: WeightPrecision;
  /** Stored in the file's metadata_props. */
  readonly metadata?: Readonly<Record<string, string>>;
  readonly docString?: string;
}

export interface TensorSummary {
  readonly name: string;
  readonly shape: readonly Dim[];
}

export interface ExportReport {
  readonly irVersion: number;
  readonly opset: number;
  readonly input: TensorSummary;
  readonly outputs: readonly TensorSummary[];
  /** Layers translated (those the outputs depend on), InputLayer included. */
  readonly layers: number;
  readonly nodes: number;
  readonly opTypes: Readonly<Record<string, number>>;
  /** Bytes of weights stored, by encoding. */
  readonly weightBytes: { readonly float32: number; readonly float16: number };
  readonly bytes: number;
}

export interface ExportResult {
  /** The .onnx file. */
  readonly bytes: Uint8Array;
  readonly report: ExportReport;
}

function exporterVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('../package.json') as { version: string }).version;
}

function dims(shape: Shape, name: string): Dim[] {
  return shape.map((dim, axis) => (axis === 0 ? BATCH_DIM : dim ?? `${name}_dim${axis}`));
}

function inputShapeOf(layer: LayerSpec): Shape {
  const shape = layer.config['batch_input_shape'] ?? layer.config['batch_shape'];
  if (!Array.isArray(shape) || shape.length < 2 || !shape.slice(1).every((dim) => dim === null || (Number.isInteger(dim) && (dim as number) > 0))) {
    throw layerError(layer, `batch_input_shape must list the input dimensions, got ${JSON.stringify(shape)}`);
  }
  const dtype = layer.config['dtype'] ?? 'float32';
  if (dtype !== 'float32') throw layerError(layer, `input dtype ${JSON.stringify(dtype)} is not supported, only float32`);
  return [null, ...(shape.slice(1) as (number | null)[])];
}

/** Converts, on demand and once each, the layer applications the requested outputs depend on. */
class Converter {
  private readonly layers: Map<string, LayerSpec>;
  private readonly values = new Map<string, Value>();
  private readonly inProgress = new Set<string>();
  readonly converted = new Set<string>();

  constructor(
    private readonly topology: Topology,
    private readonly ctx: ConversionContext,
    private readonly input: { readonly ref: TensorRef; readonly value: Value },
  ) {
    this.layers = new Map();
    for (const layer of topology.layers) {
      if (this.layers.has(layer.name)) throw new ExportError(`two layers are named "${layer.name}"`);
      this.layers.set(layer.name, layer);
    }
  }

  layer(name: string): LayerSpec | undefined {
    return this.layers.get(name);
  }

  resolve(ref: TensorRef): Value {
    const key = `${ref.layer}#${ref.node}#${ref.tensor}`;
    const known = this.values.get(key);
    if (known !== undefined) return known;
    if (this.inProgress.has(key)) throw new ExportError(`the topology has a cycle through layer "${ref.layer}"`);
    const layer = this.layers.get(ref.layer);
    if (layer === undefined) throw new ExportError(`the topology refers to a layer "${ref.layer}" it does not define`);
    if (ref.tensor !== 0) throw layerError(layer, `output ${ref.tensor} is used, but the supported layers have one output`);
    this.inProgress.add(key);
    const value = this.convert(layer, ref);
    this.inProgress.delete(key);
    this.values.set(key, value);
    this.converted.add(layer.name);
    return value;
  }

  private convert(layer: LayerSpec, ref: TensorRef): Value {
    if (layer.className === 'InputLayer') {
      if (layer.name !== this.input.ref.layer) throw layerError(layer, 'an input layer that is not the model input');
      return this.input.value;
    }
    const converter = LAYER_CONVERTERS.get(layer.className);
    if (converter === undefined) throw new UnsupportedLayerError(layer.className, layer.name, SUPPORTED_LAYER_TYPES);
    const node = layer.nodes[ref.node];
    if (node === undefined) throw layerError(layer, `has no application (node) ${ref.node}`);
    return converter(layer, node.map((input) => this.resolve(input)), this.ctx);
  }
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Translates a TF.js layers model into an ONNX model (IR 7, opset 13): one float32 input with a
 * dynamic batch dimension in the model's own layout (channels-last; transposed to NCHW inside
 * the graph), the requested outputs, and the weights as initialisers. Throws an ExportError
 * naming the layer when something cannot be translated faithfully.
 */
export function exportLayersModel(artifacts: LayersModelArtifacts, options: ExportOptions = {}): ExportResult {
  const topology = parseTopology(artifacts.modelTopology);
  const weights = decodeWeights(artifacts.weightSpecs, artifacts.weightData);
  const graph = new GraphBuilder();
  const ctx = new ConversionContext(graph, weights, options.weightPrecision ?? 'source');

  if (topology.inputs.length !== 1) throw new ExportError(`the model has ${topology.inputs.length} inputs; the exporter handles one`);
  const inputRef = topology.inputs[0];
  const inputLayer = topology.layers.find((layer) => layer.name === inputRef.layer);
  if (inputLayer === undefined || inputLayer.className !== 'InputLayer') throw new ExportError(`the model input "${inputRef.layer}" is not an InputLayer`);
  const inputShape = inputShapeOf(inputLayer);
  const inputName = graph.reserve(options.inputName ?? inputLayer.name);

  const outputSpecs: OutputSpec[] = options.outputs
    ? [...options.outputs]
    : topology.outputs.map((ref) => ({ name: ref.layer, layer: ref.layer }));
  if (outputSpecs.length === 0) throw new ExportError('no outputs requested');
  for (const spec of outputSpecs) graph.reserve(spec.name);

  const converter = new Converter(topology, ctx, { ref: inputRef, value: { name: inputName, shape: inputShape, layout: 'native' } });
  const outputs: TensorSummary[] = [];
  for (const spec of outputSpecs) {
    const ref = topology.outputs.find((output) => output.layer === spec.layer) ?? { layer: spec.layer, node: 0, tensor: 0 };
    if (converter.layer(spec.layer) === undefined) {
      const names = topology.outputs.map((output) => `"${output.layer}"`).join(', ');
      throw new ExportError(`output "${spec.name}" names layer "${spec.layer}", which the model does not have (its outputs are ${names})`);
    }
    let value = converter.resolve(ref);
    let shape = value.shape;
    if (spec.flatten && value.shape.length > 2) {
      value = ctx.toNative(value, spec.name);
      const rest = value.shape.slice(1);
      shape = [null, rest.every((dim) => dim !== null) ? (rest as number[]).reduce((a, b) => a * b, 1) : null];
      graph.node('Flatten', [value.name], [attr.int('axis', 1)], spec.name, spec.name);
    } else {
      value = ctx.toNative(value, spec.name);
      graph.node('Identity', [value.name], [], spec.name, spec.name);
    }
    outputs.push({ name: spec.name, shape: dims(shape, spec.name) });
  }

  const input = { name: inputName, shape: dims(inputShape, inputName) };
  const metadata = { ...options.metadata, 'skinlesion.exporter': `@skinlesion/onnx-export ${exporterVersion()}` };
  const bytes = encodeModel({
    ir_version: IR_VERSION,
    opset_import: [{ domain: '', version: OPSET }],
    producer_name: '@skinlesion/onnx-export',
    producer_version: exporterVersion(),
    ...(options.docString === undefined ? {} : { doc_string: options.docString }),
    graph: {
      name: topology.name,
      node: graph.nodes,
      initializer: graph.initializers,
      input: [valueInfo(input.name, DataType.FLOAT, input.shape)],
      output: outputs.map((output) => valueInfo(output.name, DataType.FLOAT, output.shape)),
    },
    metadata_props: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  });
  return {
    bytes,
    report: {
      irVersion: IR_VERSION,
      opset: OPSET,
      input,
      outputs,
      layers: converter.converted.size,
      nodes: graph.nodes.length,
      opTypes: countBy(graph.nodes.map((node) => node.op_type)),
      weightBytes: { ...ctx.weightBytes },
      bytes: bytes.byteLength,
    },
  };
}
