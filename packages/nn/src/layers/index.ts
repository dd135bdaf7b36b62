/** The layers: one file per layer. */
export { Dense, type DenseOptions } from './dense';
export { Sequential } from './sequential';
export { ModuleList } from './module-list';
export { ModuleDict } from './module-dict';
export { Dropout, type DropoutOptions } from './dropout';
export { BatchNorm, type BatchNormOptions } from './batch-norm';
export { BatchNorm2d, type BatchNorm2dOptions } from './batch-norm-2d';
export { LayerNorm, type LayerNormOptions } from './layer-norm';
export { Residual } from './residual';
export { ReLU, Tanh, Sigmoid, LeakyReLU, ELU, GELU, SiLU, Softplus, Softmax, Identity, type GELUOptions } from './activation';
export { mlp, type MlpOptions } from './mlp';
export { Flatten } from './flatten';
export { Embedding, type EmbeddingOptions } from './embedding';
export { Recurrent, type CellWeights, type RecurrentOptions } from './recurrent';
export { RNN, type RNNOptions } from './rnn';
export { LSTM, type LstmState } from './lstm';
export { GRU } from './gru';
export { Conv2d, Convolution, type Conv2dOptions, type ConvParameterOptions } from './conv';
export { ConvTranspose2d, type ConvTranspose2dOptions } from './conv-transpose';
export { Pool2d, MaxPool2d, AvgPool2d, type Pool2dOptions } from './pool';
export { Conv1d, type Conv1dOptions } from './conv1d';
export { Pool1d, MaxPool1d, AvgPool1d, type Pool1dOptions } from './pool1d';
export { GroupNorm, InstanceNorm2d, type GroupNormOptions, type InstanceNorm2dOptions } from './group-norm';
export { AdaptivePool2d, AdaptiveAvgPool2d, AdaptiveMaxPool2d } from './adaptive-pool';
export { Upsample, type UpsampleOptions } from './upsample';
export { PixelShuffle, PixelUnshuffle } from './pixel-shuffle';
export { MultiheadAttention, causalMask, type MultiheadAttentionOptions, type AttentionForwardOptions, type MaskKind } from './attention';
export {
  TransformerEncoderLayer, TransformerEncoder, type TransformerEncoderLayerOptions, type TransformerEncoderLayerForwardOptions,
  type TransformerEncoderOptions, type TransformerEncoderForwardOptions, type EncoderLayer,
  TransformerLayer, TransformerDecoderLayer, TransformerDecoder, Transformer, type TransformerLayerOptions, type TransformerDecoderLayerOptions,
  type TransformerDecoderLayerForwardOptions, type TransformerDecoderOptions, type DecoderLayer, type TransformerOptions, type TransformerForwardOptions,
  type CustomEncoder, type CustomDecoder,
} from './transformer';
