/** The model cannot be exported as it is; the message names the layer and what stands in the way. */
export class ExportError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ExportError';
  }
}

/** A layer type the exporter has no ONNX translation for. */
export class UnsupportedLayerError extends ExportError {
  readonly layerType: string;
  readonly layerName: string;

  constructor(layerType: string, layerName: string, supported: readonly string[]) {
    super(`layer "${layerName}" is a ${layerType}, which the ONNX exporter does not support (supported layer types: ${supported.join(', ')})`);
    this.name = 'UnsupportedLayerError';
    this.layerType = layerType;
    this.layerName = layerName;
  }
}
