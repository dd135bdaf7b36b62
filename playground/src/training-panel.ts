/**
 * The training half of the page: the data and network settings, the run controls, and the views
 * (decision boundary, loss curves, weights, scores). Training runs a few minibatch steps per
 * animation frame and draws once per frame; steps and drawing together stay within about one
 * frame (FRAME_MS), so the page stays responsive while it trains.
 */
import { AdjointError } from '@adjoint/core';
import { DATASETS, makeDataset, splitPoints, type DatasetName, type Points } from './data/datasets';
import { ACTIVATIONS, INITIALIZERS } from './model/network';
import { OPTIMIZERS, type OptimizerName } from './model/optimizers';
import { REGULARIZERS, Trainer, type Regularizer } from './model/trainer';
import {
  BATCH_SIZES, DROPOUTS, LEARNING_RATES, MAX_LAYERS, MAX_WIDTH, POINT_COUNTS, REGULARIZATION_RATES, SPEEDS,
  readSettings, settingsQuery,
} from './settings';
import { BoundaryPlot } from './view/boundary';
import { drawCurves } from './view/curves';
import { WeightsView } from './view/weights';
import { byId, fillSelect } from './view/controls';
import { decimal } from './view/format';

/** A frame at 60 Hz. Training gets what drawing leaves of it, but at least MIN_TRAIN_MS. */
const FRAME_MS = 16;
const MIN_TRAIN_MS = 4;

export function setUpTrainingPanel(): void {
  // The address holds the settings (see settings.ts): a reload or a shared link starts from them.
  const settings = readSettings(location.search);
  const save = () => history.replaceState(history.state, '', settingsQuery(settings) + location.hash);
  const boundary = new BoundaryPlot(byId<HTMLCanvasElement>('boundary'));
  const weights = new WeightsView(byId('weights'));
  const curves = byId<HTMLCanvasElement>('curves');
  const trainButton = byId<HTMLButtonElement>('train');
  const status = byId('train-status');
  const out = {
    loss: byId('train-loss'), accuracy: byId('train-accuracy'), testLoss: byId('test-loss'), testAccuracy: byId('test-accuracy'),
    epoch: byId('epoch'), steps: byId('steps'), summary: byId('network-summary'),
  };

  let data: { train: Points; test: Points };
  let trainer: Trainer;
  let running = false;
  let pending = 0; // the requested animation frame, so that pausing cancels it
  let renderMs = 8; // how long the last render took: a bigger network leaves less time to train
  let boundaryMs = 0; // how long the decision boundary took to draw, and when it was drawn last
  let boundaryAt = -Infinity;

  /** Updates every view; while training (`everything` false) the boundary only every so often. */
  const render = (everything = true) => {
    const started = performance.now();
    // The boundary runs the network on the whole grid, which for a deep tanh network costs more
    // than a frame: while training, spend at most a third of the time drawing it.
    if (everything || started - boundaryAt >= 3 * boundaryMs) {
      boundary.draw(trainer.probabilities(boundary.grid), data.train, data.test, settings.showTest);
      boundaryAt = performance.now();
      boundaryMs = boundaryAt - started;
    }
    const scores = trainer.record();
    // Plain decimals (an exponent once a loss has blown up): the tests read them, people compare them at a glance.
    out.loss.textContent = decimal(scores.train.loss, 4);
    out.accuracy.textContent = decimal(scores.train.accuracy, 4);
    out.testLoss.textContent = decimal(scores.test.loss, 4);
    out.testAccuracy.textContent = decimal(scores.test.accuracy, 4);
    out.epoch.textContent = trainer.epochs.toFixed(1);
    out.steps.textContent = String(trainer.steps);
    drawCurves(curves, trainer.history);
    weights.draw();
    renderMs = performance.now() - started;
  };

  const newNetwork = () => {
    status.hidden = true;
    trainer = new Trainer(data, {
      hidden: settings.hidden, activation: settings.activation, init: settings.init,
      dropout: settings.dropout, batchNorm: settings.batchNorm, seed: settings.netSeed,
    }, settings.optimizer, settings.lr, settings.batchSize);
    trainer.regularization = settings.regularization;
    trainer.regularizationRate = settings.regularizationRate;
    save();
    weights.setLayers(trainer.network.dense);
    out.summary.textContent = String(trainer.network.model);
    render();
  };

  const newData = () => {
    const points = makeDataset(settings.dataset, { n: settings.points, noise: settings.noise / 100, seed: settings.dataSeed });
    data = splitPoints(points, settings.trainPercent / 100, settings.dataSeed + 1000);
    newNetwork();
  };

  /**
   * One minibatch step; false when it failed. nn's optimizers refuse a gradient holding NaN or ∞
   * (the loss diverged) and update nothing: training stops and the page says why and what to do.
   */
  const step = (): boolean => {
    try {
      trainer.step();
      return true;
    } catch (error) {
      setRunning(false);
      status.textContent = `Training stopped at step ${trainer.steps}. ${(error as Error).message}. Reset starts again from new weights.`;
      status.hidden = false;
      if (!(error instanceof AdjointError)) throw error; // not divergence but a bug: the console has it too
      return false;
    }
  };

  const frame = () => {
    if (!running) return;
    const start = performance.now();
    const budget = Math.max(MIN_TRAIN_MS, FRAME_MS - renderMs);
    let steps = 0;
    // A fixed number of steps, but never more than the budget: a big network must not freeze the page.
    let ok: boolean;
    do ok = step();
    while (ok && ++steps !== settings.speed && performance.now() - start < budget);
    if (!ok) return; // setRunning(false) has drawn everything
    render(false);
    pending = requestAnimationFrame(frame);
  };

  const setRunning = (on: boolean) => {
    running = on;
    trainButton.textContent = on ? 'Pause' : 'Train';
    trainButton.setAttribute('aria-pressed', String(on));
    // Pause then Train within one frame must not leave two loops running.
    cancelAnimationFrame(pending);
    if (on) pending = requestAnimationFrame(frame);
    else render(); // the boundary may be a few frames behind the weights
  };

  // ── run controls ──
  trainButton.addEventListener('click', () => {
    if (!running) status.hidden = true;
    setRunning(!running);
  });
  byId('step').addEventListener('click', () => {
    status.hidden = true;
    if (step()) render();
  });
  byId('reset').addEventListener('click', () => {
    settings.netSeed++; // new initial weights each time
    newNetwork();
  });

  // ── data ──
  const dataset = byId<HTMLSelectElement>('dataset');
  fillSelect(dataset, DATASETS, settings.dataset);
  dataset.addEventListener('change', () => {
    settings.dataset = dataset.value as DatasetName;
    newData();
  });
  const range = (id: string, key: 'noise' | 'trainPercent') => {
    const input = byId<HTMLInputElement>(id);
    const shown = byId(`${id}-value`);
    input.value = String(settings[key]);
    shown.textContent = `${settings[key]}%`;
    input.addEventListener('input', () => (shown.textContent = `${input.value}%`));
    input.addEventListener('change', () => {
      settings[key] = Number(input.value);
      newData();
    });
  };
  range('noise', 'noise');
  range('split', 'trainPercent');
  const points = byId<HTMLSelectElement>('points');
  fillSelect(points, POINT_COUNTS, settings.points);
  points.addEventListener('change', () => {
    settings.points = Number(points.value);
    newData();
  });
  byId('regenerate').addEventListener('click', () => {
    settings.dataSeed++;
    newData();
  });
  const showTest = byId<HTMLInputElement>('show-test');
  showTest.checked = settings.showTest;
  showTest.addEventListener('change', () => {
    settings.showTest = showTest.checked;
    save();
    render();
  });

  // ── network ──
  const layersBox = byId('layers');
  const drawLayerControls = () => {
    byId('layer-count').textContent = String(settings.hidden.length);
    layersBox.replaceChildren(
      ...settings.hidden.map((width, i) => {
        const column = document.createElement('div');
        column.className = 'layer';
        const button = (text: string, label: string, delta: number) => {
          const b = document.createElement('button');
          b.type = 'button';
          b.textContent = text;
          b.setAttribute('aria-label', `${label} layer ${i + 1}`);
          b.disabled = width + delta < 1 || width + delta > MAX_WIDTH;
          b.addEventListener('click', () => {
            settings.hidden[i] = width + delta;
            drawLayerControls();
            newNetwork();
          });
          return b;
        };
        const count = document.createElement('span');
        count.className = 'width';
        count.textContent = String(width);
        const caption = document.createElement('span');
        caption.className = 'caption';
        caption.textContent = `layer ${i + 1}`;
        column.append(button('+', 'Widen', 1), count, button('−', 'Narrow', -1), caption);
        return column;
      }),
    );
    byId<HTMLButtonElement>('add-layer').disabled = settings.hidden.length >= MAX_LAYERS;
    byId<HTMLButtonElement>('remove-layer').disabled = settings.hidden.length === 0;
  };
  byId('add-layer').addEventListener('click', () => {
    settings.hidden.push(settings.hidden[settings.hidden.length - 1] ?? 4);
    drawLayerControls();
    newNetwork();
  });
  byId('remove-layer').addEventListener('click', () => {
    settings.hidden.pop();
    drawLayerControls();
    newNetwork();
  });
  drawLayerControls();

  const choice = <K extends 'activation' | 'init' | 'dropout'>(id: string, key: K, options: Record<string, string> | readonly number[]) => {
    const select = byId<HTMLSelectElement>(id);
    fillSelect(select, options, settings[key]);
    select.addEventListener('change', () => {
      (settings as Record<K, unknown>)[key] = key === 'dropout' ? Number(select.value) : select.value;
      newNetwork();
    });
  };
  choice('activation', 'activation', ACTIVATIONS);
  choice('init', 'init', INITIALIZERS);
  choice('dropout', 'dropout', DROPOUTS);
  const batchNorm = byId<HTMLInputElement>('batchnorm');
  batchNorm.checked = settings.batchNorm;
  batchNorm.addEventListener('change', () => {
    settings.batchNorm = batchNorm.checked;
    newNetwork();
  });

  // ── optimizer: changes apply to the running network, which keeps its weights ──
  const optimizer = byId<HTMLSelectElement>('optimizer');
  fillSelect(optimizer, OPTIMIZERS, settings.optimizer);
  optimizer.addEventListener('change', () => {
    settings.optimizer = optimizer.value as OptimizerName;
    trainer.setOptimizer(settings.optimizer, settings.lr);
    save();
  });
  const lr = byId<HTMLSelectElement>('lr');
  fillSelect(lr, LEARNING_RATES, settings.lr);
  lr.addEventListener('change', () => {
    settings.lr = Number(lr.value);
    trainer.optimizer.lr = settings.lr;
    save();
  });
  const speed = byId<HTMLSelectElement>('speed');
  fillSelect(speed, SPEEDS, settings.speed === Infinity ? 'max' : settings.speed);
  speed.addEventListener('change', () => {
    settings.speed = speed.value === 'max' ? Infinity : Number(speed.value);
    save();
  });
  const batch = byId<HTMLSelectElement>('batch');
  fillSelect(batch, BATCH_SIZES, settings.batchSize);
  batch.addEventListener('change', () => {
    settings.batchSize = Number(batch.value);
    trainer.batchSize = settings.batchSize;
    save();
  });
  const regularization = byId<HTMLSelectElement>('regularization');
  fillSelect(regularization, REGULARIZERS, settings.regularization);
  const regularizationRate = byId<HTMLSelectElement>('regularization-rate');
  fillSelect(regularizationRate, REGULARIZATION_RATES, settings.regularizationRate);
  const setRegularization = () => {
    settings.regularization = regularization.value as Regularizer;
    settings.regularizationRate = Number(regularizationRate.value);
    trainer.regularization = settings.regularization;
    trainer.regularizationRate = settings.regularizationRate;
    regularizationRate.disabled = settings.regularization === 'none';
    save();
  };
  regularization.addEventListener('change', setRegularization);
  regularizationRate.addEventListener('change', setRegularization);
  regularizationRate.disabled = settings.regularization === 'none';

  newData();
}
