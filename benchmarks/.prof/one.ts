import { problem, adjointStep, handWrittenStep } from '../mlp';
const sizes = (process.env.SIZES ?? '784,128,10').split(',').map(Number);
const p = problem(sizes);
const f = process.env.WHICH === 'hand' ? handWrittenStep(p) : process.env.WHICH === 'fwd' ? adjointStep(p).forward : adjointStep(p).step;
for (let i = 0; i < 100; i++) f();
const t0 = performance.now();
for (let i = 0; i < 1500; i++) f();
console.log(process.env.WHICH, ((performance.now() - t0) / 1500).toFixed(3), 'ms');
