/** Persistence: models as JSON files that round-trip exactly; weights as safetensors; ONNX export. */
export {
  saveModel, loadModel, serializeModel, deserializeModel, toModelFile, MODEL_FORMAT, MODEL_VERSION,
  type ModelFile, type SerializeOptions, type SaveModelOptions, type DeserializeModelOptions, type LoadModelOptions,
} from './model-file';
export { registerLayer, moduleToConfig, moduleFromConfig, type ModuleFromConfigOptions, type LayerConfig, type LayerSerializer, type ChildToConfig, type ChildFromConfig } from './architecture';
export { type Encoding, type EncodedTensor } from './codec';
export { type FileWriter } from './atomic';
export { toSafetensors, fromSafetensors, type ToSafetensorsOptions, type SafetensorsDtype } from './safetensors';
export * from '../export/index';
