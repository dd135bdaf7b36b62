/**
 * RNN, LSTM and GRU as ONNX's operators of the same names. adjoint's layers hold PyTorch's weights
 * (the gates' blocks stacked in PyTorch's order, batch-first input), so the export:
 *   - reorders the gate blocks into ONNX's order: LSTM i f g o → i o f c, GRU r z n → z r h (RNN has one);
 *   - writes W `[1, G·hidden, input]`, R `[1, G·hidden, hidden]` and B = [b_ih, b_hh] `[1, 2·G·hidden]`;
 *   - sets GRU's linear_before_reset = 1 (PyTorch applies the reset gate after h·W_hnᵀ + b_hn);
 *   - transposes the input to time-major and back: ONNX Runtime's CPU provider runs only layout 0.
 * ONNX Runtime runs these operators in float only, so a model holding one is exported in float.
 * The initial state is zeros (ONNX's default when initial_h is absent), as forward(x) starts.
 */
import type { Tensor } from '@adjoint/core';
import { RNN } from '../layers/rnn';
import { LSTM } from '../layers/lstm';
import { GRU } from '../layers/gru';
import type { Recurrent } from '../layers/recurrent';
import type { OnnxValue } from './onnx-graph';
import { entry, valueName, type LayerContext, type LayerExport } from './onnx-layers';

/** Why the recurrent layers are exported in float. */
const FLOAT_ONLY = 'ONNX Runtime runs RNN, LSTM and GRU in float only';

/**
 * The rows of `t` (`[G·hidden, …]` or `[G·hidden]`) with its G blocks of `hidden` rows in the order
 * `blocks` lists them (PyTorch's block indices, in ONNX's order).
 */
function reorder(t: Tensor, hidden: number, blocks: readonly number[]): Float64Array {
  const width = t.size / t.shape[0]!;
  const out = new Float64Array(t.size);
  blocks.forEach((block, i) => out.set(t.data.subarray(block * hidden * width, (block + 1) * hidden * width), i * hidden * width));
  return out;
}

/** The exporter of a recurrent layer whose gates ONNX stacks in the order `blocks`. */
function recurrent<M extends Recurrent<unknown>>(opType: 'RNN' | 'LSTM' | 'GRU', blocks: readonly number[], attributes: (m: M) => Record<string, { int: number } | { strings: string[] }>) {
  return (layer: M, x: OnnxValue, at: LayerContext): OnnxValue[] => {
    const g = at.graph;
    const hidden = layer.hiddenSize;
    const gates = blocks.length;
    const prefix = at.path === '' ? '' : `${at.path}.`;
    const [batch, time] = [x.shape[0]!, x.shape[1]!];
    const w = g.constant(reorder(layer.weightIh, hidden, blocks), [1, gates * hidden, layer.inputSize], `${prefix}W`);
    const r = g.constant(reorder(layer.weightHh, hidden, blocks), [1, gates * hidden, hidden], `${prefix}R`);
    const b = g.constant([...reorder(layer.biasIh, hidden, blocks), ...reorder(layer.biasHh, hidden, blocks)], [1, 2 * gates * hidden], `${prefix}B`);
    const timeMajor = g.op('Transpose', [x], valueName(at, 'Transpose'), [time, batch, layer.inputSize], { perm: { ints: [1, 0, 2] } });
    const outputs = g.node(opType, [timeMajor, w, r, b], valueName(at, opType), [], { hidden_size: { int: hidden }, ...attributes(layer) }, opType === 'LSTM' ? 3 : 2);
    // Y [time, 1, batch, hidden] → [batch, time, hidden]; Y_h, Y_c [1, batch, hidden] → [batch, hidden].
    const y = g.op('Transpose', [outputs[0]!], valueName(at, 'TransposeY'), [batch, time, 1, hidden], { perm: { ints: [2, 0, 1, 3] } });
    const sequence = g.op('Squeeze', [y, g.int64s([2], [1], valueName(at, 'axis2'))], valueName(at, 'Output'), [batch, time, hidden]);
    const axis0 = g.int64s([0], [1], valueName(at, 'axis0'));
    const states = outputs.slice(1).map((state, i) => g.op('Squeeze', [state, axis0], valueName(at, i === 0 ? 'h_n' : 'c_n'), [batch, hidden]));
    return [sequence, ...states];
  };
}

/** The recurrent layers' table entries. */
export const RECURRENT_LAYERS: readonly LayerExport[] = [
  entry({
    cls: RNN,
    exporter: recurrent<RNN>('RNN', [0], (m) => ({ activations: { strings: [m.nonlinearity === 'relu' ? 'Relu' : 'Tanh'] } })),
    floatOnly: FLOAT_ONLY,
    outputs: ['output', 'h_n'],
  }),
  entry({ cls: LSTM, exporter: recurrent<LSTM>('LSTM', [0, 3, 1, 2], () => ({})), floatOnly: FLOAT_ONLY, outputs: ['output', 'h_n', 'c_n'] }),
  entry({ cls: GRU, exporter: recurrent<GRU>('GRU', [1, 0, 2], () => ({ linear_before_reset: { int: 1 } })), floatOnly: FLOAT_ONLY, outputs: ['output', 'h_n'] }),
];
