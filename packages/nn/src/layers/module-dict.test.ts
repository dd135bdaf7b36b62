import { Tensor, ValueError, tensor } from '@adjoint/core';
import { Module, type AnyModule } from '../module';
import { Dense } from './dense';
import { ModuleDict } from './module-dict';
import { ReLU } from './activation';
import { expectError } from '../testing/errors';

class MultiTask extends Module<[x: Tensor, task?: string], Tensor> {
  readonly body = this.register('body', new Dense(2, 3, { seed: 1 }));
  readonly heads = this.register('heads', new ModuleDict({ age: new Dense(3, 1, { seed: 2 }), label: new Dense(3, 2, { seed: 3 }) }));
  forward(x: Tensor, task = 'age'): Tensor {
    return this.heads.get(task).forward(this.body.forward(x));
  }
}

describe('ModuleDict', () => {
  test("registers its modules under their names, in order: the model's parameters, state dict and modes reach them", () => {
    const model = new MultiTask();
    expect(model.namedParameters().map(([n]) => n)).toEqual(['body.weight', 'body.bias', 'heads.age.weight', 'heads.age.bias', 'heads.label.weight', 'heads.label.bias']);
    expect(Object.keys(model.stateDict())).toContain('heads.label.weight');
    model.eval();
    expect(model.heads.get('label').training).toBe(false);
    expect(model.forward(tensor([[1, 2]]), 'label').shape).toEqual([1, 2]);
    expect([model.heads.size, model.heads.keys(), model.heads.has('age'), model.heads.has('x')]).toEqual([2, ['age', 'label'], true, false]);
    expect(model.heads.values()[1]).toBe(model.heads.get('label'));
    expect(model.heads.entries().map(([n]) => n)).toEqual(['age', 'label']);
  });

  test('set adds a new name at the end and replaces an existing one in its place; a list of pairs keeps its order', () => {
    const dict = new ModuleDict<AnyModule>([['b', new Dense(1, 1)], ['a', new Dense(1, 1)]]);
    const replacement = new Dense(1, 1);
    dict.set('b', replacement).set('c', new ReLU());
    expect(dict.keys()).toEqual(['b', 'a', 'c']);
    expect(dict.get('b')).toBe(replacement);
  });

  test('a clone holds copies of its modules, sharing nothing', () => {
    const model = new MultiTask();
    const copy = model.clone();
    expect(copy.heads).toBeInstanceOf(ModuleDict);
    expect(copy.heads.get('age')).not.toBe(model.heads.get('age'));
    expect(Array.from(copy.heads.get('age').parameters()[0]!.data)).toEqual(Array.from(model.heads.get('age').parameters()[0]!.data));
  });

  test('errors name ModuleDict and what was wrong', () => {
    const dict = new ModuleDict({ age: new Dense(1, 1) });
    expectError(() => dict.get('size'), ValueError, "ModuleDict.get: no module is named \"size\"; the names are 'age'");
    expectError(() => new ModuleDict().get('a'), ValueError, 'ModuleDict.get: no module is named "a"; the dict is empty');
    expectError(() => dict.set('x', 3 as never), ValueError, "ModuleDict.set: 'x' must be a Module, got number 3");
    expectError(() => new ModuleDict(5 as never), ValueError, 'ModuleDict: expected an object of modules or a list of [name, module] pairs, got number 5');
    expectError(() => new ModuleDict([['a']] as never), ValueError, 'ModuleDict: item 0 must be a [name, module] pair, got an array of length 1');
    expectError(() => dict.forward(), ValueError, "ModuleDict.forward: a ModuleDict has no forward of its own; call its modules from the model's forward (dict.get(name).forward(x))");
  });
});
