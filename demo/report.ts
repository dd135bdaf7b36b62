/** What the demo leaves behind: the model, the curves, the confusion matrix and some mistakes. */
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Tensor } from '@adjoint/core';
import { saveModel, type History, type Module } from '@adjoint/nn';
import { formatTable, heatMap, imageGrid, lineChart, writeSvg } from '../tools/plot';
import { SIDE, PIXELS } from './data';

/** Paths of the files written by {@link writeReport}. */
export interface ReportFiles {
  model: string;
  loss: string;
  accuracy: string;
  confusion: string;
  misclassified: string;
  summary: string;
}

/** Everything the report is made from. */
export interface ReportInput {
  dir: string;
  model: Module;
  history: History;
  /** Seconds each epoch took. */
  epochSeconds: number[];
  confusion: number[][];
  xTest: Tensor;
  yTest: Tensor;
  /** The predicted digit of each test image. */
  predicted: Tensor;
  /** Written into summary.json as they are. */
  summary: Record<string, unknown>;
}

/** Most misclassified digits shown in misclassified.svg. */
const MAX_MISTAKES = 15;

/** Writes model.json, loss.svg, accuracy.svg, confusion-matrix.svg, misclassified.svg and summary.json. */
export function writeReport(input: ReportInput): ReportFiles {
  const { dir, history } = input;
  mkdirSync(dir, { recursive: true });
  const file = (name: string): string => path.join(dir, name);
  const files: ReportFiles = {
    model: file('model.json'),
    loss: file('loss.svg'),
    accuracy: file('accuracy.svg'),
    confusion: file('confusion-matrix.svg'),
    misclassified: file('misclassified.svg'),
    summary: file('summary.json'),
  };
  saveModel(input.model, files.model);
  writeSvg(files.loss, lineChart(
    [{ name: 'training', y: history.loss }, { name: 'validation', y: history.valLoss, dashed: true }],
    { xLabel: 'epoch', yLabel: 'cross-entropy loss', title: 'MNIST digits: loss per epoch' },
  ));
  writeSvg(files.accuracy, lineChart(
    [{ name: 'training', y: history.get('accuracy') }, { name: 'validation', y: history.get('valAccuracy'), dashed: true }],
    { xLabel: 'epoch', yLabel: 'accuracy', title: 'MNIST digits: accuracy per epoch' },
  ));
  const digits = Array.from({ length: 10 }, (_, d) => String(d));
  writeSvg(files.confusion, heatMap(input.confusion, {
    rowLabels: digits, columnLabels: digits, xLabel: 'predicted digit', yLabel: 'true digit', valueLabel: 'test digits',
    title: 'Confusion matrix (test set)', cell: 40, format: (v) => (v === 0 ? '' : String(v)),
  }));
  writeSvg(files.misclassified, imageGrid(mistakes(input), { title: 'Misclassified test digits (true → predicted)', columns: 5, scale: 3 }));
  writeFileSync(files.summary, `${JSON.stringify({ ...input.summary, history: history.toJSON(), epochSeconds: input.epochSeconds, confusionMatrix: input.confusion }, null, 1)}\n`);
  return files;
}

/** The first test digits the model gets wrong, as captioned images. */
function mistakes({ xTest, yTest, predicted }: ReportInput): Array<{ pixels: Float64Array; width: number; height: number; caption: string }> {
  const out = [];
  for (let i = 0; i < predicted.size && out.length < MAX_MISTAKES; i++) {
    const [truth, guess] = [yTest.data[i]!, predicted.data[i]!];
    if (guess === truth) continue;
    out.push({ pixels: xTest.data.subarray(i * PIXELS, (i + 1) * PIXELS), width: SIDE, height: SIDE, caption: `${truth} → ${guess}` });
  }
  return out;
}

/** The per-epoch numbers as a console table. */
export function epochTable(history: History, epochSeconds: readonly number[]): string {
  const f = (v: number | undefined): string => (v === undefined ? '' : v.toFixed(4));
  const rows = history.loss.map((loss, e) => [
    String(e + 1), f(loss), f(history.get('accuracy')[e]), f(history.valLoss[e]), f(history.get('valAccuracy')[e]), `${(epochSeconds[e] ?? 0).toFixed(1)}s`,
  ]);
  return formatTable(['epoch', 'loss', 'accuracy', 'val loss', 'val accuracy', 'time'], rows);
}

/** The confusion matrix as a console table: rows are true digits, columns predicted ones. */
export function confusionTable(confusion: readonly number[][]): string {
  const headers = ['true\\pred', ...confusion.map((_, d) => String(d))];
  return formatTable(headers, confusion.map((row, d) => [String(d), ...row.map(String)]));
}
