/** The layers: one file per layer. */
export { Dense, type DenseOptions } from './dense';
export { Sequential } from './sequential';
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
export { Conv2d, type Conv2dOptions } from './conv';
export { Pool2d, MaxPool2d, AvgPool2d, type Pool2dOptions } from './pool';
