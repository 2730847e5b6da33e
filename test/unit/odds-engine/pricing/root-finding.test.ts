import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findRoot } from '../../../../odds-engine/pricing/root-finding.ts';
import { assertClose } from './approx.ts';

test('finds roots known in closed form', () => {
  assertClose(findRoot((x) => x * x - 2, 0, 2).x, Math.SQRT2, 1e-13, '√2');
  assertClose(findRoot(Math.cos, 0, 3).x, Math.PI / 2, 1e-13, 'π/2');
  // x³ − 2x − 5 = 0, the cubic Wallis used to demonstrate Newton's method: root 2.0945514815423265...
  assertClose(findRoot((x) => x ** 3 - 2 * x - 5, 2, 3).x, 2.0945514815423265, 1e-13, 'Wallis cubic');
});

test('works with the bracket given either way round and returns exact end points', () => {
  assertClose(findRoot((x) => x - 0.3, 1, 0).x, 0.3, 1e-13);
  assert.equal(findRoot((x) => x - 1, 1, 5).x, 1);
  assert.equal(findRoot((x) => x - 5, 1, 5).x, 5);
});

test('reports a missing bracket as NaN instead of guessing', () => {
  const root = findRoot((x) => x * x + 1, -1, 1);
  assert.ok(Number.isNaN(root.x));
  assert.equal(root.converged, false);
});

test('converges superlinearly on smooth functions and stays bracketed on nasty ones', () => {
  const smooth = findRoot((x) => Math.exp(x) - 10, 0, 10);
  assertClose(smooth.x, Math.log(10), 1e-12);
  assert.ok(smooth.iterations < 15, `took ${smooth.iterations} iterations`);
  // A step-like function: interpolation is useless, bisection must still finish.
  const steep = findRoot((x) => Math.atan(1e6 * (x - 0.123456)), -5, 5);
  assertClose(steep.x, 0.123456, 1e-12);
  assert.equal(steep.converged, true);
});

test('honours the iteration budget', () => {
  const root = findRoot((x) => Math.atan(1e6 * (x - 0.123456)), -5, 5, { maxIterations: 3 });
  assert.equal(root.converged, false);
  assert.equal(root.iterations, 3);
});
