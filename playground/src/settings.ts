/**
 * Everything the training panel's controls set, its defaults, and its form in the page's address
 * (`?dataset=circles&hidden=8,4&…`), so that a reload keeps the run's settings and a link shares
 * them: with the seeds in it, a link replays the same run. The address is anyone's text, so each
 * value is checked against what the controls offer; a value that is not is ignored (its default
 * is kept).
 */
import { DATASETS, type DatasetName } from './data/datasets';
import { ACTIVATIONS, INITIALIZERS, type Activation, type InitName } from './model/network';
import { OPTIMIZERS, type OptimizerName } from './model/optimizers';
import { REGULARIZERS, type Regularizer } from './model/trainer';

export const MAX_LAYERS = 6;
export const MAX_WIDTH = 16;
export const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10] as const;
export const REGULARIZATION_RATES = [0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1] as const;
export const BATCH_SIZES = [4, 8, 16, 32, 64, 128] as const;
export const POINT_COUNTS = [100, 200, 400, 800] as const;
export const DROPOUTS = [0, 0.1, 0.2, 0.3, 0.5] as const;
/** Steps per animation frame; 'max' is as many as fit in the frame. Slow speeds let you watch. */
export const SPEEDS = { 1: '1 step / frame', 5: '5 steps / frame', 20: '20 steps / frame', max: 'fastest' } as const;
/** Seeds go into other seeds (seed · 31 + layer, seed + 1000): keep them far from 2⁵³. */
const MAX_SEED = 1e9;

export interface Settings {
  dataset: DatasetName;
  noise: number; // percent, 0–50 in steps of 5
  trainPercent: number; // 10–90 in steps of 10
  points: number;
  dataSeed: number;
  hidden: number[];
  activation: Activation;
  init: InitName;
  dropout: number;
  batchNorm: boolean;
  netSeed: number;
  optimizer: OptimizerName;
  lr: number;
  batchSize: number;
  regularization: Regularizer;
  regularizationRate: number;
  /** Steps per frame (Infinity: as many as the frame budget allows). */
  speed: number;
  showTest: boolean;
}

/** The defaults learn every dataset but the spirals in a few seconds. */
export const DEFAULTS: Readonly<Settings> = Object.freeze({
  dataset: 'xor', noise: 10, trainPercent: 50, points: 400, dataSeed: 1,
  hidden: [8, 8], activation: 'tanh', init: 'auto', dropout: 0, batchNorm: false, netSeed: 1,
  optimizer: 'adam', lr: 0.03, batchSize: 16, regularization: 'none', regularizationRate: 0.001, speed: 5, showTest: false,
});

type Reader<T> = (text: string) => T | undefined;

const oneOf = <T extends string>(options: Record<T, string>): Reader<T> => (text) => (Object.hasOwn(options, text) ? (text as T) : undefined);
const numberIn = (options: readonly number[]): Reader<number> => (text) => {
  const v = Number(text);
  return text !== '' && options.includes(v) ? v : undefined;
};
const stepsOf = (step: number, max: number) => Array.from({ length: max / step + 1 }, (_, i) => i * step);
const seed: Reader<number> = (text) => (/^\d{1,9}$/.test(text) && Number(text) <= MAX_SEED ? Number(text) : undefined);
const flag: Reader<boolean> = (text) => (text === '1' ? true : text === '0' ? false : undefined);
const widths: Reader<number[]> = (text) => {
  if (text === '') return []; // no hidden layer: logistic regression
  const list = text.split(',').map(Number);
  return list.length <= MAX_LAYERS && list.every((w) => Number.isInteger(w) && w >= 1 && w <= MAX_WIDTH) ? list : undefined;
};

/** Each setting's name in the address and how its text is read; writing is String(value) but for the noted few. */
const FIELDS: { [K in keyof Settings]: Reader<Settings[K]> } = {
  dataset: oneOf(DATASETS),
  noise: numberIn(stepsOf(5, 50)),
  trainPercent: numberIn(stepsOf(10, 90).slice(1)),
  points: numberIn(POINT_COUNTS),
  dataSeed: seed,
  hidden: widths,
  activation: oneOf(ACTIVATIONS),
  init: oneOf(INITIALIZERS),
  dropout: numberIn(DROPOUTS),
  batchNorm: flag,
  netSeed: seed,
  optimizer: oneOf(OPTIMIZERS),
  lr: numberIn(LEARNING_RATES),
  batchSize: numberIn(BATCH_SIZES),
  regularization: oneOf(REGULARIZERS),
  regularizationRate: numberIn(REGULARIZATION_RATES),
  speed: (text) => (text === 'max' ? Infinity : numberIn([1, 5, 20])(text)),
  showTest: flag,
};

/** The settings a query string (`location.search`) gives: the defaults, with each valid value in it instead. */
export function readSettings(query: string): Settings {
  const params = new URLSearchParams(query);
  const settings: Settings = { ...DEFAULTS, hidden: [...DEFAULTS.hidden] };
  for (const key of Object.keys(FIELDS) as (keyof Settings)[]) {
    const text = params.get(key);
    const value = text === null ? undefined : FIELDS[key](text);
    if (value !== undefined) (settings as Record<keyof Settings, unknown>)[key] = value;
  }
  return settings;
}

/** The query string (with its '?') that readSettings reads back as `settings`. */
export function settingsQuery(settings: Settings): string {
  const parts = (Object.keys(FIELDS) as (keyof Settings)[]).map((key) => {
    const value = settings[key];
    const text = typeof value === 'boolean' ? (value ? '1' : '0') : value === Infinity ? 'max' : String(value);
    return `${key}=${encodeURIComponent(text).replaceAll('%2C', ',')}`; // hidden=8,4 reads better than 8%2C4
  });
  return `?${parts.join('&')}`;
}
