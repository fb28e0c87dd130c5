/**
 * Multinomial logistic regression (softmax) over sparse binary features, trained by full-batch Adam with L2.
 * Used by the training scripts of the router and the prompt linter; the runtime only needs the weights.
 */

export interface Example {
  /** Indices of the features that are present. */
  x: number[];
  /** Class index. */
  y: number;
}

export interface TrainOptions {
  classes: number;
  features: number;
  /** L2 strength per feature (index → lambda); the bias is not regularised. */
  lambda: (feature: number) => number;
  iterations?: number;
  learningRate?: number;
}

export interface SoftmaxModel {
  /** weights[feature][class] */
  weights: Float64Array[];
  bias: Float64Array;
}

export function scores(model: SoftmaxModel, x: number[]): number[] {
  const z = Array.from(model.bias);
  for (const f of x) {
    const w = model.weights[f];
    if (!w) continue;
    for (let k = 0; k < z.length; k++) z[k]! += w[k]!;
  }
  return softmax(z);
}

export function softmax(z: number[]): number[] {
  const max = Math.max(...z);
  const e = z.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

export function train(examples: Example[], opts: TrainOptions): SoftmaxModel {
  const K = opts.classes;
  const F = opts.features;
  const iterations = opts.iterations ?? 400;
  const lr = opts.learningRate ?? 0.05;
  const W = Array.from({ length: F }, () => new Float64Array(K));
  const b = new Float64Array(K);
  const mW = Array.from({ length: F }, () => new Float64Array(K));
  const vW = Array.from({ length: F }, () => new Float64Array(K));
  const mb = new Float64Array(K);
  const vb = new Float64Array(K);
  const lambdas = Array.from({ length: F }, (_, f) => opts.lambda(f));
  const n = examples.length;
  const beta1 = 0.9;
  const beta2 = 0.999;
  for (let t = 1; t <= iterations; t++) {
    const gW = Array.from({ length: F }, () => new Float64Array(K));
    const gb = new Float64Array(K);
    for (const ex of examples) {
      const p = scores({ weights: W, bias: b }, ex.x);
      for (let k = 0; k < K; k++) {
        const d = (p[k]! - (k === ex.y ? 1 : 0)) / n;
        gb[k]! += d;
        for (const f of ex.x) gW[f]![k]! += d;
      }
    }
    const step = (g: number, m: Float64Array, v: Float64Array, k: number) => {
      m[k] = beta1 * m[k]! + (1 - beta1) * g;
      v[k] = beta2 * v[k]! + (1 - beta2) * g * g;
      const mh = m[k]! / (1 - beta1 ** t);
      const vh = v[k]! / (1 - beta2 ** t);
      return (lr * mh) / (Math.sqrt(vh) + 1e-8);
    };
    for (let k = 0; k < K; k++) b[k]! -= step(gb[k]!, mb, vb, k);
    for (let f = 0; f < F; f++) {
      for (let k = 0; k < K; k++) {
        const g = gW[f]![k]! + lambdas[f]! * W[f]![k]!;
        W[f]![k]! -= step(g, mW[f]!, vW[f]!, k);
      }
    }
  }
  return { weights: W, bias: b };
}

/** Deterministic shuffle (mulberry32), so cross-validation folds are the same on every run. */
export function shuffled<T>(items: readonly T[], seed = 42): T[] {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export function readJsonl<T>(file: string, read: (f: string) => string): T[] {
  return read(file)
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}
