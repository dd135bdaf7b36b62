/**
 * Model files under failure (io.test.ts has the round trips, the format, one case of each kind of
 * bad file and the limits on untrusted files): a save killed mid-write in a real process, a rename
 * that fails, a missing directory; saves from several threads at once, a stale temporary file,
 * permission bits and symbolic links kept; every error naming the function and the file; every
 * truncation and thousands of seeded corruptions of a file are ValueErrors (or, where the damage
 * leaves a valid file, a model) — never another kind of error; a corrupt dimension is caught before
 * it can make the loader allocate gigabytes.
 */
import {
  chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker, threadId } from 'node:worker_threads';
import { AdjointError, Rng, Tensor, ValueError, tensor } from '@adjoint/core';
import {
  Dense, Module, deserializeModel, toModelFile, loadModel, mlp, predict, registerLayer,
  saveModel, serializeModel,
} from '@adjoint/nn';
import { everyLayer, everyNewLayer, everySequenceLayer } from '../packages/nn/src/testing/every-layer';
import { ROOT, runFixture } from './fixtures/child';
import type { SaveWorkerData } from './fixtures/save-worker';

jest.setTimeout(60_000);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'adjoint-persistence-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bytes = (t: Tensor): Buffer => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
const probe = tensor([[0.5, -1], [2, 0.25], [-3, 1]]); // inputs for mlp([2, …])
const probe3 = tensor([[0.5, -1, 2], [2, 0.25, -0.5], [-3, 1, 0]]); // inputs for everyLayer(4, 2)
const probeImages = tensor(Array.from({ length: 2 * 64 }, (_, i) => Math.sin(i))).reshape([2, 1, 8, 8]); // inputs for everyNewLayer()
const probeSequences = tensor(Array.from({ length: 2 * 24 }, (_, i) => Math.cos(i))).reshape([2, 2, 12]); // inputs for everySequenceLayer()

/** The models the format tests damage: every built-in layer kind between them, with an input and the output's shape. */
const models = [
  { name: 'everyLayer(4, 2)', build: (): Module => everyLayer(4, 2), probe: probe3, outShape: [3, 2] },
  { name: 'everyNewLayer()', build: (): Module => everyNewLayer(), probe: probeImages, outShape: [2, 19] },
  { name: 'everySequenceLayer()', build: (): Module => everySequenceLayer(), probe: probeSequences, outShape: [2, 12] },
];

/** The error `fn` throws (failing the test if it throws nothing). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error, but nothing was thrown');
}

describe('atomic saves under real failures', () => {
  it('a process killed mid-write leaves the previous file intact and loadable', async () => {
    const sub = mkdtempSync(join(dir, 'crash-'));
    const path = join(sub, 'model.json');
    const original = mlp([2, 3, 1], { seed: 1 });
    saveModel(original, path);
    const before = readFileSync(path);

    const child = await runFixture('crash-save.ts', [path]);
    expect(child.signal).toBe('SIGKILL');
    expect(child.stdout).not.toContain('the save finished');

    // The crash really happened mid-write: half a file sits in the temporary file, never renamed.
    const leftovers = readdirSync(sub).filter((f) => f !== 'model.json');
    expect(leftovers).toHaveLength(1);
    expect(leftovers[0]).toMatch(/^\.model\.json\.\d+\.\d+\.[0-9a-f]{24}\.tmp$/); // pid, thread, random
    expect(statSync(join(sub, leftovers[0]!)).size).toBeGreaterThan(0);
    expect(() => JSON.parse(readFileSync(join(sub, leftovers[0]!), 'utf8'))).toThrow(SyntaxError);

    // The target is byte for byte what it was, and loads to the same predictions.
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(bytes(predict(loadModel(path), probe)).equals(bytes(predict(original, probe)))).toBe(true);

    // The leftover does not get in the way of the next save.
    const next = mlp([2, 3, 1], { seed: 2 });
    saveModel(next, path);
    expect(bytes(predict(loadModel(path), probe)).equals(bytes(predict(next, probe)))).toBe(true);
  });

  it('a rename that fails removes the temporary file and changes nothing', () => {
    const sub = mkdtempSync(join(dir, 'rename-'));
    const target = join(sub, 'model.json');
    // The writer puts a directory where the file is to go, after the checks and before the rename.
    const writeThenBlock = (temp: string, text: string): void => {
      writeFileSync(temp, text, { flag: 'wx' });
      mkdirSync(target);
      writeFileSync(join(target, 'keep.txt'), 'still here');
    };
    const error = thrown(() => saveModel(mlp([2, 1]), target, { writeFile: writeThenBlock }));
    expect(error).toBeInstanceOf(ValueError);
    expect((error as Error).message).toMatch(/^saveModel: '.*model\.json': could not write the file: .*; any previous file there is unchanged$/);
    expect(readdirSync(sub)).toEqual(['model.json']);
    expect(readFileSync(join(target, 'keep.txt'), 'utf8')).toBe('still here');
  });

  it('a path that is a directory, or a device, is refused before anything is written', () => {
    const sub = mkdtempSync(join(dir, 'not-a-file-'));
    const target = join(sub, 'model.json');
    mkdirSync(target);
    expect(() => saveModel(mlp([2, 1]), target)).toThrow(/^saveModel: '.*model\.json': could not write the file: it is a directory; any previous file there is unchanged$/);
    expect(readdirSync(sub)).toEqual(['model.json']);
    if (process.platform !== 'win32') {
      // Renaming over /dev/null would replace the device for every program (given the rights).
      expect(() => saveModel(mlp([2, 1]), '/dev/null')).toThrow(/^saveModel: '\/dev\/null': could not write the file: it exists and is not a regular file;/);
      expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    }
  });

  it('a missing directory is a ValueError and creates nothing', () => {
    const path = join(dir, 'no-such-dir', 'model.json');
    expect(() => saveModel(mlp([2, 1]), path)).toThrow(/^saveModel: '.*no-such-dir[\\/]model\.json': could not write the file: ENOENT/);
    expect(existsSync(join(dir, 'no-such-dir'))).toBe(false);
  });
});

describe('concurrent saves', () => {
  /** Runs save-worker.ts in a worker thread, on the sources; resolves with what it posts. */
  function runWorker(data: SaveWorkerData): Promise<{ done: number; errors: string[] }> {
    const code = `require(${JSON.stringify(join(ROOT, 'test/fixtures/sources.cjs'))}); require(${JSON.stringify(join(ROOT, 'test/fixtures/save-worker.ts'))});`;
    return new Promise((resolve, reject) => {
      const worker = new Worker(code, { eval: true, workerData: data });
      let result: { done: number; errors: string[] } | undefined;
      worker.on('message', (m) => (result = m));
      worker.on('error', reject);
      worker.on('exit', (code) => (result ? resolve(result) : reject(new Error(`a save worker exited with code ${code} without reporting`))));
    });
  }

  it('threads saving different models to one path all succeed, and the file is always one complete model', async () => {
    // Threads share the process id: with a temporary name of pid and a counter, they wrote into,
    // renamed and removed each other's temporary files (EEXIST, ENOENT).
    const sub = mkdtempSync(join(dir, 'threads-'));
    const path = join(sub, 'model.json');
    const seeds = [1, 2, 3, 4];
    const count = 25;
    const texts = seeds.map((seed) => new TextDecoder().decode(serializeModel(mlp([4, 16, 3], { seed }))));
    saveModel(mlp([4, 16, 3], { seed: seeds[0]! }), path); // so that the reader finds a file from the start
    const shared = new SharedArrayBuffer(8);
    const common = { path, count, texts, shared, threads: seeds.length + 1, writers: seeds.length };
    const [reader, ...writers] = await Promise.all([
      runWorker({ ...common, role: 'reader', seed: 0 }),
      ...seeds.map((seed) => runWorker({ ...common, role: 'writer', seed })),
    ]);
    for (const writer of writers) expect(writer).toEqual({ done: count, errors: [] });
    expect(reader!.errors).toEqual([]);
    expect(reader!.done).toBeGreaterThan(0);
    expect(texts).toContain(readFileSync(path, 'utf8'));
    expect(readdirSync(sub)).toEqual(['model.json']); // every temporary file renamed or removed
  });

  it('a temporary file left by a dead process is never read, removed or in the way', () => {
    const sub = mkdtempSync(join(dir, 'stale-'));
    const path = join(sub, 'model.json');
    // What saves killed mid-write leave, named with this process's own id (ids are reused), in the
    // old pattern and in the current one, each holding another valid model.
    const stale = [`.model.json.${process.pid}.0.tmp`, `.model.json.${process.pid}.${threadId}.${'0'.repeat(24)}.tmp`];
    const staleText = new TextDecoder().decode(serializeModel(mlp([2, 3, 1], { seed: 7 })));
    for (const name of stale) writeFileSync(join(sub, name), staleText);
    const model = mlp([2, 3, 1], { seed: 8 });
    saveModel(model, path);
    saveModel(model, path);
    expect(bytes(predict(loadModel(path), probe)).equals(bytes(predict(model, probe)))).toBe(true);
    expect(readdirSync(sub).sort()).toEqual([...stale, 'model.json'].sort());
    for (const name of stale) expect(readFileSync(join(sub, name), 'utf8')).toBe(staleText);
  });
});

const unix = process.platform === 'win32' ? describe.skip : describe;

unix('what a save keeps', () => {
  it('the permission bits of the file it replaces (0600 stays 0600), from the temporary file on', () => {
    const sub = mkdtempSync(join(dir, 'mode-'));
    const path = join(sub, 'model.json');
    saveModel(mlp([2, 1], { seed: 1 }), path);
    const fresh = join(sub, 'fresh.txt');
    writeFileSync(fresh, '');
    expect(statSync(path).mode & 0o777).toBe(statSync(fresh).mode & 0o777); // a new file: the usual bits
    for (const mode of [0o600, 0o640, 0o644]) {
      chmodSync(path, mode);
      const seen: Array<number | undefined> = [];
      // The default writer, watched: the temporary file is created with the bits, not given them later.
      saveModel(mlp([2, 1], { seed: mode }), path, { writeFile: (temp, text, m) => { seen.push(m); writeFileSync(temp, text, { flag: 'wx', mode: m }); } });
      expect(seen).toEqual([mode]);
      expect(statSync(path).mode & 0o777).toBe(mode);
      saveModel(mlp([2, 1], { seed: mode + 1 }), path);
      expect(statSync(path).mode & 0o777).toBe(mode);
    }
  });

  it('a symbolic link: the save replaces its target, atomically beside it, and the link stays', () => {
    const sub = mkdtempSync(join(dir, 'link-'));
    mkdirSync(join(sub, 'real'));
    const real = join(sub, 'real', 'model.json');
    saveModel(mlp([2, 3, 1], { seed: 1 }), real);
    const link = join(sub, 'link.json');
    symlinkSync(join('real', 'model.json'), link); // relative, as `ln -s real/model.json link.json`
    const next = mlp([2, 3, 1], { seed: 2 });
    saveModel(next, link);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(join('real', 'model.json'));
    expect(bytes(predict(loadModel(real), probe)).equals(bytes(predict(next, probe)))).toBe(true);
    expect(bytes(predict(loadModel(link), probe)).equals(bytes(predict(next, probe)))).toBe(true);
    expect(readdirSync(join(sub, 'real'))).toEqual(['model.json']);
    expect(readdirSync(sub).sort()).toEqual(['link.json', 'real']);

    // A chain of links is followed to its end; a link to a file not there yet creates the file.
    const chain = join(sub, 'chain.json');
    symlinkSync(link, chain);
    const third = mlp([2, 3, 1], { seed: 3 });
    saveModel(third, chain);
    expect(lstatSync(chain).isSymbolicLink() && lstatSync(link).isSymbolicLink()).toBe(true);
    expect(bytes(predict(loadModel(real), probe)).equals(bytes(predict(third, probe)))).toBe(true);
    const dangling = join(sub, 'dangling.json');
    symlinkSync(join(sub, 'real', 'new.json'), dangling);
    saveModel(third, dangling);
    expect(lstatSync(dangling).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(sub, 'real', 'new.json')).isFile()).toBe(true);

    // A loop of links is an error, not a hang.
    symlinkSync('loop-b.json', join(sub, 'loop-a.json'));
    symlinkSync('loop-a.json', join(sub, 'loop-b.json'));
    expect(() => saveModel(third, join(sub, 'loop-a.json'))).toThrow(/^saveModel: '.*loop-a\.json': could not write the file: more than 40 symbolic links in a chain \(a loop\?\)/);
  });
});

describe('every error names the function and the file', () => {
  /** A layer whose config holds a BigInt, which JSON cannot write. */
  class BigIntLayer extends Dense {}
  registerLayer({ type: 'test.BigIntLayer', cls: BigIntLayer, toConfig: () => ({ size: BigInt(1) }), fromConfig: () => new BigIntLayer(1, 1) });
  /** A layer without a serializer. */
  class Unregistered extends Dense {}

  it('saveModel: an AdjointError whose message starts with saveModel and the file, in at most 500 characters', () => {
    const sub = mkdtempSync(join(dir, 'errors-'));
    const path = join(sub, 'model.json');
    const withNaN = mlp([2, 1], { seed: 1 });
    withNaN.parameters()[0]!.data[0] = NaN;
    const missing = join(sub, 'none', 'model.json');
    const cases: Array<[string, string, () => void]> = [
      ['not a model', path, () => saveModel({} as Module, path)],
      ['a bad encoding', path, () => saveModel(mlp([2, 1]), path, { encoding: 'hex' as never })],
      ['NaN weights', path, () => saveModel(withNaN, path)],
      ['no architecture, required', path, () => saveModel(new Unregistered(1, 1), path, { requireArchitecture: true })],
      ['a config JSON cannot hold', path, () => saveModel(new BigIntLayer(1, 1), path)],
      ['a writer throwing a string', path, () => saveModel(mlp([2, 1]), path, { writeFile: () => { throw 'no'; } })],
      ['a writer throwing a huge message', path, () => saveModel(mlp([2, 1]), path, { writeFile: () => { throw new Error('x'.repeat(1e6)); } })],
      ['a missing directory', missing, () => saveModel(mlp([2, 1]), missing)],
    ];
    for (const [name, file, call] of cases) {
      const error = thrown(call) as Error;
      expect([name, error instanceof AdjointError, error.message.startsWith(`saveModel: '${file}': `), error.message.length <= 500]).toEqual([name, true, true, true]);
    }
    expect((thrown(cases[4]![2]) as Error).message).toMatch(/the model cannot be written as JSON: Do not know how to serialize a BigInt$/);
    expect(readdirSync(sub)).toEqual([]); // and nothing was left behind
  });
});

/** Loads `path`: a model, or the ValueError; anything else fails the test with the file's text. */
function loadOrValueError(path: string): Module | ValueError {
  try {
    return loadModel(path);
  } catch (e) {
    if (e instanceof ValueError) return e;
    throw new Error(`loading ${readFileSync(path, 'utf8').slice(0, 300)}… threw ${(e as Error).constructor.name}: ${(e as Error).message}`);
  }
}

describe('damaged files are ValueErrors, never anything else', () => {
  it('an empty file (what a non-atomic writer leaves after a crash)', () => {
    const path = join(dir, 'empty.json');
    writeFileSync(path, '');
    expect(() => loadModel(path)).toThrow(/^loadModel: '.*empty\.json': not valid JSON \(truncated or corrupt\?\)/);
  });

  it('every truncation of a model file', () => {
    const text = new TextDecoder().decode(serializeModel(mlp([2, 3, 1], { seed: 1 })));
    const path = join(dir, 'cut.json');
    let count = 0;
    for (let length = 0; length < text.length; length += 3) {
      writeFileSync(path, text.slice(0, length));
      const result = loadOrValueError(path);
      expect(result).toBeInstanceOf(ValueError);
      expect((result as ValueError).message).toMatch(/^loadModel: '.*cut\.json': not valid JSON/);
      count++;
    }
    expect(count).toBeGreaterThan(100);
  });

  it.each(models)('1,000 seeded byte-level corruptions (flipped, deleted, inserted or replaced characters) of $name', ({ build, probe, outShape }) => {
    const rng = new Rng(7);
    const text = new TextDecoder().decode(serializeModel(build(), { encoding: 'numbers' }));
    const path = join(dir, 'bytes.json');
    const outcomes = { model: 0, error: 0 };
    const alphabet = '0123456789-+.eE,:[]{}"truefalsnl ';
    for (let trial = 0; trial < 1000; trial++) {
      let damaged = text;
      for (let k = rng.int(1, 4); k > 0; k--) {
        const at = rng.int(0, damaged.length);
        const c = alphabet[rng.int(0, alphabet.length)]!;
        const kind = rng.int(0, 3);
        damaged = kind === 0 ? damaged.slice(0, at) + damaged.slice(at + 1) : kind === 1 ? damaged.slice(0, at) + c + damaged.slice(at) : damaged.slice(0, at) + c + damaged.slice(at + 1);
      }
      writeFileSync(path, damaged);
      const result = loadOrValueError(path);
      if (result instanceof ValueError) {
        expect(result.message.startsWith(`loadModel: '${path}': `)).toBe(true);
        outcomes.error++;
      } else {
        // What loads must be a usable model (a digit changed inside a weight cannot be detected).
        expect(predict(result, probe).shape).toEqual(outShape);
        outcomes.model++;
      }
    }
    expect(outcomes.error).toBeGreaterThan(500); // most damage is detected…
    expect(outcomes.model).toBeGreaterThan(0); // …but not all of it (see docs/reliability.md)
  });

  it.each(models)('5,000 seeded structural corruptions of $name: fields removed or replaced by values of every JSON type', ({ build }) => {
    const rng = new Rng(11);
    const replacements: unknown[] = [
      null, true, false, 0, -1, 0.5, 3, 1e9, 2 ** 31, 1e300, -0, '', 'x', 'Dense', 'relu', 'AAAA', [], [1], [0, 0], {}, { type: 'Dense' },
      { type: 'Sequential', layers: [] }, { shape: [], data: [] }, { shape: [2], data: 'AAAAAAAAAAAAAAAAAAAAAA==' },
    ];
    for (const encoding of ['base64', 'numbers'] as const) {
      // The file as an object (serializeModel's bytes would be walked as an array of numbers).
      const file = toModelFile(build(), { encoding });
      const paths: Array<Array<string | number>> = [];
      const walk = (v: unknown, at: Array<string | number>): void => {
        if (at.length > 0) paths.push(at);
        if (v !== null && typeof v === 'object') for (const [k, child] of Object.entries(v)) walk(child, [...at, Array.isArray(v) ? Number(k) : k]);
      };
      walk(file, []);
      for (let trial = 0; trial < 2500; trial++) {
        const damaged = JSON.parse(JSON.stringify(file));
        for (let k = rng.int(1, 3); k > 0; k--) {
          const at = paths[rng.int(0, paths.length)]!;
          let parent = damaged;
          for (const key of at.slice(0, -1)) parent = parent?.[key];
          if (parent === null || typeof parent !== 'object') continue;
          if (rng.uniform() < 0.2) delete parent[at.at(-1)!];
          else parent[at.at(-1)!] = replacements[rng.int(0, replacements.length)];
        }
        try {
          deserializeModel(damaged);
        } catch (e) {
          if (!(e instanceof ValueError)) throw new Error(`${JSON.stringify(damaged).slice(0, 400)} threw ${(e as Error).constructor.name}: ${(e as Error).message}`);
        }
      }
    }
  });

  it('NaN written by another tool into a numbers file (JSON has no NaN: it becomes null)', () => {
    const file = JSON.parse(JSON.stringify(toModelFile(mlp([2, 3, 1], { seed: 1 }), { encoding: 'numbers' })));
    file.tensors['0.bias'].data[1] = null;
    const path = join(dir, 'null.json');
    writeFileSync(path, JSON.stringify(file));
    expect(() => loadModel(path)).toThrow(/^loadModel: '.*null\.json': tensor '0\.bias': element 1 is null, not a number/);
  });

  it('a model with a layer more or less than the file, loaded into it', () => {
    const path = join(dir, 'layers.json');
    saveModel(mlp([2, 3, 1], { seed: 1 }), path);
    expect(() => loadModel(path, { into: mlp([2, 3, 3, 1]) })).toThrow(/the file's architecture does not match the model: architecture\.layers has 2 entries in the file but 3 in the model/);
    expect(() => loadModel(path, { into: mlp([2, 1]) })).toThrow(/architecture\.layers has 2 entries in the file but 1 in the model/);
  });
});

describe('a corrupt dimension is refused before anything is allocated for it', () => {
  // Found by the structural corruptions above: "features": 1e9 made the loader build a BatchNorm of
  // four 8 GB tensors (filling two of them with ones) before comparing shapes — the process was
  // killed for lack of memory instead of reporting the file as corrupt.
  const everyLayerFile = (): any => toModelFile(everyLayer(4, 2));
  const newLayerFile = (): any => toModelFile(everyNewLayer());
  const sequenceLayerFile = (): any => toModelFile(everySequenceLayer());
  it.each<[string, () => any, (f: any) => void, RegExp]>([
    ['BatchNorm features', everyLayerFile, (f) => void (f.architecture.layers[1].features = 1e9), /at least 4000000\d{3} values but the file's tensors hold \d+/],
    ['Dense inFeatures', everyLayerFile, (f) => void (f.architecture.layers[0].inFeatures = 300000000), /at least 1200000\d{3} values/],
    ['a Dense deep inside a Residual', everyLayerFile, (f) => void (f.architecture.layers[3].module.layers[0].outFeatures = 400000000), /at least 2000000\d{3} values/],
    ['RNN inputSize', newLayerFile, (f) => void (f.architecture.rnn.inputSize = 1e8), /at least 600000\d{3} values but the file's tensors hold \d+/],
    ['LSTM hiddenSize', newLayerFile, (f) => void (f.architecture.lstm.hiddenSize = 10000), /at least 400320\d{3} values/],
    ['GRU inputSize', newLayerFile, (f) => void (f.architecture.gru.inputSize = 1e8), /at least 1200000\d{3} values/],
    ['Embedding numEmbeddings', newLayerFile, (f) => void (f.architecture.embed.numEmbeddings = 1e8), /at least 300000\d{3} values/],
    ['a Conv2d inside a Sequential', newLayerFile, (f) => void (f.architecture.features.layers[0].outChannels = 1e8), /at least 1000000\d{3} values/],
    ['a grouped Conv2d kernel', newLayerFile, (f) => void (f.architecture.features.layers[3].kernelSize = [5000, 5000]), /at least 200000\d{3} values/],
    ['a Conv1d inside a Sequential', sequenceLayerFile, (f) => void (f.architecture.conv.layers[0].outChannels = 1e8), /at least 700000\d{3} values but the file's tensors hold \d+/],
    ['a grouped Conv1d kernel', sequenceLayerFile, (f) => void (f.architecture.conv.layers[3].kernelSize = 1e8), /at least 800000\d{3} values/],
    ['BatchNorm2d numFeatures', sequenceLayerFile, (f) => void (f.architecture.imageNorm.numFeatures = 1e9), /at least 4000000\d{3} values/],
    ['LayerNorm normalizedShape', sequenceLayerFile, (f) => void (f.architecture.tokenNorm.normalizedShape = [1e4, 1e4]), /at least 100000\d{3} values/],
    ['LSTM numLayers', sequenceLayerFile, (f) => void (f.architecture.lstm.numLayers = 1e6), /at least 264000\d{3} values/],
    ['bidirectional GRU hiddenSize', sequenceLayerFile, (f) => void (f.architecture.gru.hiddenSize = 1e5), /at least 60004800\d{3} values/],
    ['RNN numLayers', sequenceLayerFile, (f) => void (f.architecture.rnn.numLayers = 1e8), /at least 1200000\d{3} values/],
  ])('%s', (_what, fileOf, corrupt, message) => {
    const file = JSON.parse(JSON.stringify(fileOf()));
    corrupt(file);
    const started = process.memoryUsage().rss;
    expect(() => deserializeModel(file)).toThrow(ValueError);
    expect(() => deserializeModel(file)).toThrow(message);
    expect(process.memoryUsage().rss - started).toBeLessThan(200 * 1024 * 1024);
  });

  it('the check counts what the layers need, so every genuine file still loads', () => {
    for (const { build, probe } of models) {
      const model = build();
      const loaded = deserializeModel(JSON.parse(JSON.stringify(toModelFile(model))));
      expect(bytes(predict(loaded, probe)).equals(bytes(predict(model, probe)))).toBe(true);
    }
  });

  it('a dimension off by a little is still reported by the tensor it affects', () => {
    const file = JSON.parse(JSON.stringify(toModelFile(everyLayer(4, 2))));
    file.architecture.layers[1].features = 40;
    expect(() => deserializeModel(file)).toThrow("deserializeModel: tensor '1.gamma' has shape [4] in the file but the model expects [40]");
  });
});
