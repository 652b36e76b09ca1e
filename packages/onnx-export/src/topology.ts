/**
 * Reads the Keras-style topology of a TF.js layers model (model.json's modelTopology) into a
 * plain graph: layers, the nodes where each is applied, and the model's inputs and outputs.
 * Both serialisations TF.js writes are read: functional ("Model"/"Functional", with
 * inbound_nodes) and "Sequential" (a chain whose first layer declares the input shape).
 */

/** Output tensorIndex of the nodeIndex-th application of a layer. */
export interface TensorRef {
  readonly layer: string;
  readonly node: number;
  readonly tensor: number;
}

export interface LayerSpec {
  readonly name: string;
  readonly className: string;
  readonly config: Readonly<Record<string, unknown>>;
  /** The inputs of each application of the layer (InputLayer: one application without inputs). */
  readonly nodes: readonly (readonly TensorRef[])[];
}

export interface Topology {
  readonly name: string;
  readonly layers: readonly LayerSpec[];
  readonly inputs: readonly TensorRef[];
  readonly outputs: readonly TensorRef[];
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function tensorRef(entry: unknown, where: string): TensorRef {
  if (!Array.isArray(entry) || entry.length < 3 || typeof entry[0] !== 'string' || !Number.isInteger(entry[1]) || !Number.isInteger(entry[2])) {
    throw new Error(`${where}: expected [layerName, nodeIndex, tensorIndex], got ${JSON.stringify(entry)}`);
  }
  return { layer: entry[0], node: entry[1] as number, tensor: entry[2] as number };
}

function layerHeader(layer: unknown, index: number): { name: string; className: string; config: Json } {
  if (!isRecord(layer) || typeof layer['class_name'] !== 'string' || !isRecord(layer['config'])) {
    throw new Error(`layer ${index} of the topology has no class_name and config`);
  }
  const config = layer['config'];
  const name = typeof layer['name'] === 'string' ? layer['name'] : config['name'];
  if (typeof name !== 'string' || name === '') throw new Error(`layer ${index} (${layer['class_name']}) has no name`);
  return { name, className: layer['class_name'], config };
}

function functional(config: Json): Topology {
  const rawLayers = config['layers'];
  if (!Array.isArray(rawLayers)) throw new Error('the functional model config has no layers list');
  const layers = rawLayers.map((raw: unknown, index): LayerSpec => {
    const { name, className, config: layerConfig } = layerHeader(raw, index);
    const inbound = (raw as Json)['inbound_nodes'];
    if (!Array.isArray(inbound)) throw new Error(`layer "${name}" has no inbound_nodes list`);
    const nodes = inbound.map((node: unknown, nodeIndex) => {
      if (!Array.isArray(node)) {
        throw new Error(`layer "${name}" inbound node ${nodeIndex} is not a list of [layer, node, tensor] entries (a Keras 3 file? re-save it with TF.js or Keras 2)`);
      }
      return node.map((entry) => tensorRef(entry, `layer "${name}" inbound node ${nodeIndex}`));
    });
    // An InputLayer is its own first (and only) node.
    return { name, className, config: layerConfig, nodes: className === 'InputLayer' && nodes.length === 0 ? [[]] : nodes };
  });
  const ends = (key: string) => {
    const list = config[key];
    if (!Array.isArray(list) || list.length === 0) throw new Error(`the functional model config has no ${key}`);
    return list.map((entry) => tensorRef(entry, key));
  };
  return { name: typeof config['name'] === 'string' ? config['name'] : 'model', layers, inputs: ends('input_layers'), outputs: ends('output_layers') };
}

function sequential(config: unknown): Topology {
  const rawLayers = Array.isArray(config) ? config : isRecord(config) ? config['layers'] : undefined;
  if (!Array.isArray(rawLayers) || rawLayers.length === 0) throw new Error('the Sequential model config has no layers');
  const headers = rawLayers.map((raw: unknown, index) => layerHeader(raw, index));
  const layers: LayerSpec[] = [];
  let previous: TensorRef;
  if (headers[0].className === 'InputLayer') {
    layers.push({ ...headers[0], nodes: [[]] });
    previous = { layer: headers[0].name, node: 0, tensor: 0 };
    headers.shift();
  } else {
    // TF.js names the implicit input after the first layer, with the shape that layer declares.
    const shape = headers[0].config['batch_input_shape'];
    if (!Array.isArray(shape)) throw new Error(`the first layer "${headers[0].name}" of the Sequential model declares no batch_input_shape`);
    const name = `${headers[0].name}_input`;
    layers.push({ name, className: 'InputLayer', config: { name, batch_input_shape: shape, dtype: headers[0].config['dtype'] ?? 'float32' }, nodes: [[]] });
    previous = { layer: name, node: 0, tensor: 0 };
  }
  const input = previous;
  for (const header of headers) {
    layers.push({ ...header, nodes: [[previous]] });
    previous = { layer: header.name, node: 0, tensor: 0 };
  }
  return { name: isRecord(config) && typeof config['name'] === 'string' ? config['name'] : 'sequential', layers, inputs: [input], outputs: [previous] };
}

/** Parses model.json's modelTopology (or its model_config, as Keras-converted files nest it). */
export function parseTopology(modelTopology: unknown): Topology {
  const top = isRecord(modelTopology) && isRecord(modelTopology['model_config']) ? modelTopology['model_config'] : modelTopology;
  if (!isRecord(top) || typeof top['class_name'] !== 'string') throw new Error('modelTopology has no class_name: not a TF.js layers model');
  switch (top['class_name']) {
    case 'Model':
    case 'Functional':
      if (!isRecord(top['config'])) throw new Error('the functional model has no config');
      return functional(top['config']);
    case 'Sequential':
      return sequential(top['config']);
    default:
      throw new Error(`modelTopology is a ${top['class_name']}; the exporter reads Model, Functional and Sequential models`);
  }
}
