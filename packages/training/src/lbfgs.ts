/** A smooth function to minimise: writes the gradient at `x` into `gradient` and returns f(x). */
export type Objective = (x: Float64Array, gradient: Float64Array) => number;

export interface LbfgsOptions {
  /** Most iterations (each one evaluates the objective at least once). */
  readonly maxIterations: number;
  /** Stop when an iteration lowers f by less than this fraction of max(1, |f|). */
  readonly relativeTolerance: number;
  /** Curvature pairs kept for the inverse-Hessian estimate. */
  readonly memory?: number;
  readonly onIteration?: (iteration: number, value: number) => void;
}

export interface LbfgsResult {
  readonly x: Float64Array;
  readonly value: number;
  readonly iterations: number;
  readonly evaluations: number;
}

/** Armijo's sufficient-decrease constant for the backtracking line search. */
const ARMIJO = 1e-4;
/** Steps shorter than this mean the search direction no longer descends in floating point. */
const MIN_STEP = 1e-10;

/**
 * Limited-memory BFGS with a backtracking line search, started from `x0`. Plain sequential
 * arithmetic throughout, so a given objective gives bit-identical iterates on every run: the
 * point of using it for the head is a solution that depends on the data and nothing else (no
 * seed, no batch order), unlike stochastic training whose seed-to-seed spread hides real
 * differences between variants.
 */
export function minimiseLbfgs(objective: Objective, x0: Float64Array, options: LbfgsOptions): LbfgsResult {
  const n = x0.length;
  const memory = options.memory ?? 10;
  const s: Float64Array[] = [];
  const y: Float64Array[] = [];
  const rho: number[] = [];
  let x = Float64Array.from(x0);
  let gradient = new Float64Array(n);
  let value = objective(x, gradient);
  let evaluations = 1;
  const direction = new Float64Array(n);
  const alpha = new Float64Array(memory);
  let iteration = 0;
  while (iteration < options.maxIterations) {
    iteration++;
    twoLoopDirection(gradient, s, y, rho, alpha, direction);
    let slope = dot(gradient, direction);
    if (!(slope < 0)) {
      // The curvature history points uphill (rare, after a poor pair): restart from steepest descent.
      s.length = 0;
      y.length = 0;
      rho.length = 0;
      for (let i = 0; i < n; i++) direction[i] = -(gradient[i] as number);
      slope = dot(gradient, direction);
      if (!(slope < 0)) break; // zero gradient: at the minimum
    }
    let step = 1;
    const next = new Float64Array(n);
    const nextGradient = new Float64Array(n);
    let nextValue: number;
    for (;;) {
      for (let i = 0; i < n; i++) next[i] = (x[i] as number) + step * (direction[i] as number);
      nextValue = objective(next, nextGradient);
      evaluations++;
      if (nextValue <= value + ARMIJO * step * slope || step < MIN_STEP) break;
      step /= 2;
    }
    if (!(nextValue <= value)) break;
    const sNew = new Float64Array(n);
    const yNew = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      sNew[i] = (next[i] as number) - (x[i] as number);
      yNew[i] = (nextGradient[i] as number) - (gradient[i] as number);
    }
    const sy = dot(sNew, yNew);
    // Only pairs of positive curvature keep the inverse-Hessian estimate positive definite.
    if (sy > 1e-12) {
      s.push(sNew);
      y.push(yNew);
      rho.push(1 / sy);
      if (s.length > memory) {
        s.shift();
        y.shift();
        rho.shift();
      }
    }
    const decrease = value - nextValue;
    x = next;
    gradient = nextGradient;
    value = nextValue;
    options.onIteration?.(iteration, value);
    if (decrease < options.relativeTolerance * Math.max(1, Math.abs(value))) break;
  }
  return { x, value, iterations: iteration, evaluations };
}

/** direction = -H g, H the L-BFGS inverse-Hessian estimate (Nocedal and Wright, algorithm 7.4). */
function twoLoopDirection(
  gradient: Float64Array,
  s: readonly Float64Array[],
  y: readonly Float64Array[],
  rho: readonly number[],
  alpha: Float64Array,
  out: Float64Array,
): void {
  const n = gradient.length;
  for (let i = 0; i < n; i++) out[i] = gradient[i] as number;
  for (let k = s.length - 1; k >= 0; k--) {
    const a = (rho[k] as number) * dot(s[k] as Float64Array, out);
    alpha[k] = a;
    axpy(-a, y[k] as Float64Array, out);
  }
  if (s.length > 0) {
    const last = s.length - 1;
    const yLast = y[last] as Float64Array;
    const gamma = dot(s[last] as Float64Array, yLast) / dot(yLast, yLast);
    for (let i = 0; i < n; i++) out[i] = (out[i] as number) * gamma;
  }
  for (let k = 0; k < s.length; k++) {
    const b = (rho[k] as number) * dot(y[k] as Float64Array, out);
    axpy((alpha[k] as number) - b, s[k] as Float64Array, out);
  }
  for (let i = 0; i < n; i++) out[i] = -(out[i] as number);
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] = (y[i] as number) + a * (x[i] as number);
}
