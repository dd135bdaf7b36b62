/** Models out to other engines: ONNX. */
export { exportOnnx, ONNX_OPSET, ONNX_IR_VERSION, type ExportOnnxOptions } from './onnx';
export { type OnnxPrecision } from './onnx-graph';
