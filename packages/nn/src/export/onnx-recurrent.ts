/**
 * RNN, LSTM and GRU as ONNX's operators of the same names. adjoint's layers hold PyTorch's weights
 * (the gates' blocks stacked in PyTorch's order, batch-first input), so the export:
 *   - reorders the gate blocks into ONNX's order: LSTM i f g o → i o f c, GRU r z n → z r h (RNN has one);
 *   - writes, per layer, W `[D, G·hidden, input]`, R `[D, G·hidden, hidden]` and B = [b_ih, b_hh]
 *     `[D, 2·G·hidden]` (D = 2 directions, forward then reverse, with direction "bidirectional");
 *   - sets GRU's linear_before_reset = 1 (PyTorch applies the reset gate after h·W_hnᵀ + b_hn);
 *   - transposes the input to time-major and back: ONNX Runtime's CPU provider runs only layout 0;
 *   - chains one node per layer, each layer's Y `[time, D, batch, hidden]` made the next one's
 *     input `[time, batch, D·hidden]`, and concatenates the layers' final states.
 * ONNX Runtime runs these operators in float only, so a model holding one is exported in float.
 * The initial state is zeros (ONNX's default when initial_h is absent), as forward(x) starts.
 * Dropout between layers is the identity in inference, so it has no nodes.
 */
import type { Tensor } from '@adjoint/core';
import { RNN } from '../layers/rnn';
import { LSTM } from '../layers/lstm';
import { GRU } from '../layers/gru';
import { cellParameterName, type Recurrent } from '../layers/recurrent';
import type { Attribute, OnnxValue } from './onnx-graph';
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

/** The arrays end to end. */
function joined(arrays: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(arrays.reduce((n, a) => n + a.length, 0));
  arrays.reduce((at, a) => (out.set(a, at), at + a.length), 0);
  return out;
}

/** The exporter of a recurrent layer whose gates ONNX stacks in the order `blocks`. */
function recurrent<M extends Recurrent<unknown>>(opType: 'RNN' | 'LSTM' | 'GRU', blocks: readonly number[], attributes: (m: M) => Record<string, Attribute>) {
  return (layer: M, x: OnnxValue, at: LayerContext): OnnxValue[] => {
    const g = at.graph;
    const hidden = layer.hiddenSize;
    const gates = blocks.length;
    const directions = layer.bidirectional ? 2 : 1;
    const prefix = at.path === '' ? '' : `${at.path}.`;
    const [batch, time] = [x.shape[0]!, x.shape[1]!];
    // Layer l's tensor `name` of each direction (forward, then reverse), its gates in ONNX's order.
    const perDirection = (l: number, name: 'weightIh' | 'weightHh' | 'biasIh' | 'biasHh'): Float64Array[] =>
      Array.from({ length: directions }, (_, d) => reorder(layer.param(cellParameterName(name, l, d === 1)), hidden, blocks));
    const attrs: Record<string, Attribute> = { hidden_size: { int: hidden }, ...attributes(layer), ...(directions === 2 ? { direction: { string: 'bidirectional' } } : {}) };
    // Squeeze's axes and Reshape's shape (0: keep that size, −1: the rest), each written once.
    const axes = new Map<number, OnnxValue>();
    const axis = (i: number): OnnxValue => axes.get(i) ?? axes.set(i, g.int64s([i], [1], valueName(at, `axis${i}`))).get(i)!;
    let mergeShape: OnnxValue | undefined;
    const mergeLastTwo = (): OnnxValue => (mergeShape ??= g.int64s([0, 0, -1], [3], valueName(at, 'shape')));
    let input = g.op('Transpose', [x], valueName(at, 'Transpose'), [time, batch, layer.inputSize], { perm: { ints: [1, 0, 2] } });
    let output: OnnxValue = input;
    const states: OnnxValue[][] = [];
    for (let l = 0; l < layer.numLayers; l++) {
      const width = l === 0 ? layer.inputSize : directions * hidden;
      const suffix = l === 0 ? '' : `_l${l}`;
      const w = g.constant(joined(perDirection(l, 'weightIh')), [directions, gates * hidden, width], `${prefix}W${suffix}`);
      const r = g.constant(joined(perDirection(l, 'weightHh')), [directions, gates * hidden, hidden], `${prefix}R${suffix}`);
      const biasHh = perDirection(l, 'biasHh');
      const b = g.constant(joined(perDirection(l, 'biasIh').flatMap((biasIh, d) => [biasIh, biasHh[d]!])), [directions, 2 * gates * hidden], `${prefix}B${suffix}`);
      const [y, ...layerStates] = g.node(opType, [input, w, r, b], valueName(at, opType), [directions, batch, hidden], attrs, opType === 'LSTM' ? 3 : 2);
      output = { ...y!, shape: [time, directions, batch, hidden] };
      states.push(layerStates);
      if (l === layer.numLayers - 1) break;
      // Y [time, D, batch, hidden] → the next layer's input [time, batch, D·hidden].
      input = directions === 1
        ? g.op('Squeeze', [output, axis(1)], valueName(at, 'Squeeze'), [time, batch, hidden])
        : g.op('Reshape', [
          g.op('Transpose', [output], valueName(at, 'TransposeY'), [time, batch, directions, hidden], { perm: { ints: [0, 2, 1, 3] } }),
          mergeLastTwo(),
        ], valueName(at, 'Reshape'), [time, batch, directions * hidden]);
    }
    // Y [time, D, batch, hidden] → [batch, time, D·hidden]: D = 1 squeezed out, D = 2 merged with hidden.
    const y = g.op('Transpose', [output], valueName(at, 'TransposeY'), [batch, time, directions, hidden], { perm: { ints: [2, 0, 1, 3] } });
    const sequence = directions === 1
      ? g.op('Squeeze', [y, axis(2)], valueName(at, 'Output'), [batch, time, hidden])
      : g.op('Reshape', [y, mergeLastTwo()], valueName(at, 'Output'), [batch, time, directions * hidden]);
    // Y_h, Y_c of each layer [D, batch, hidden] → [batch, hidden] for one layer and direction, else
    // the layers' concatenated [numLayers·D, batch, hidden] (index layer·D + direction, as forward's).
    const cells = layer.numLayers * directions;
    const final = states[0]!.map((_, k) => {
      const name = valueName(at, k === 0 ? 'h_n' : 'c_n');
      if (cells === 1) return g.op('Squeeze', [states[0]![k]!, axis(0)], name, [batch, hidden]);
      if (layer.numLayers === 1) return states[0]![k]!;
      return g.op('Concat', states.map((s) => s[k]!), name, [cells, batch, hidden], { axis: { int: 0 } });
    });
    return [sequence, ...final];
  };
}

/** The recurrent layers' table entries. */
export const RECURRENT_LAYERS: readonly LayerExport[] = [
  entry({
    cls: RNN,
    // One activation per direction (ONNX's rule for a bidirectional RNN).
    exporter: recurrent<RNN>('RNN', [0], (m) => ({ activations: { strings: Array<string>(m.bidirectional ? 2 : 1).fill(m.nonlinearity === 'relu' ? 'Relu' : 'Tanh') } })),
    floatOnly: FLOAT_ONLY,
    outputs: ['output', 'h_n'],
  }),
  entry({ cls: LSTM, exporter: recurrent<LSTM>('LSTM', [0, 3, 1, 2], () => ({})), floatOnly: FLOAT_ONLY, outputs: ['output', 'h_n', 'c_n'] }),
  entry({ cls: GRU, exporter: recurrent<GRU>('GRU', [1, 0, 2], () => ({ linear_before_reset: { int: 1 } })), floatOnly: FLOAT_ONLY, outputs: ['output', 'h_n'] }),
];
