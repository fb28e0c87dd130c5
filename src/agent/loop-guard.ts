import type { ToolCall } from "../core/messages.ts";

/**
 * Detects a model repeating itself: the same tool call (name + arguments) several times in a row, a short cycle of
 * calls repeated (A, B, A, B, … or A, B, C, A, B, C, …, up to `maxPeriod` calls long), or trying to finish again
 * and again while an end checkpoint keeps failing (recorded as the key FINISH_KEY, so "run the tests, claim to be
 * done" loops are cycles too).
 * Defaults: warn the model when the same action or cycle has come 3 times in a row, stop the run at the 5th
 * (before executing the call that completes it).
 */
export interface LoopGuardOptions {
  warnAt?: number;
  stopAt?: number;
  /** Longest cycle detected, in calls (default 4). */
  maxPeriod?: number;
}

export type LoopGuardVerdict = "ok" | "warn" | "stop";

/** The repetition that produced the last verdict: a cycle of `period` actions seen `times` times in a row. */
export interface LoopRepeat {
  period: number;
  times: number;
  /** Tool names in the cycle, in order ("finish" for FINISH_KEY). */
  names: string[];
}

export class LoopGuard {
  readonly warnAt: number;
  readonly stopAt: number;
  readonly maxPeriod: number;
  #keys: string[] = [];
  #last: LoopRepeat = { period: 1, times: 0, names: [] };

  constructor(opts: LoopGuardOptions = {}) {
    this.warnAt = opts.warnAt ?? 3;
    this.stopAt = opts.stopAt ?? 5;
    this.maxPeriod = opts.maxPeriod ?? 4;
  }

  /** Record a call about to run; "stop" means it must not run, "warn" that the model should be told after it runs. */
  record(call: ToolCall): LoopGuardVerdict {
    return this.recordKey(callKey(call));
  }

  /** Record any repeatable action by key (see FINISH_KEY). */
  recordKey(key: string): LoopGuardVerdict {
    this.#keys.push(key);
    const keep = this.maxPeriod * (this.stopAt + 1);
    if (this.#keys.length > keep) this.#keys.splice(0, this.#keys.length - keep);
    let best: LoopRepeat = { period: 1, times: 1, names: [nameOf(key)] };
    let verdict: LoopGuardVerdict = "ok";
    for (let p = 1; p <= this.maxPeriod; p++) {
      const run = this.#suffixRun(p);
      const block = this.#keys.slice(-p);
      // A longer period made of one key is the plain repeat, already seen at p = 1.
      if (p > 1 && new Set(block).size < 2) continue;
      const times = Math.floor(run / p);
      // Only when a whole cycle just completed does the count move.
      const completed = run % p === 0;
      if (times >= this.stopAt && completed) {
        this.#last = { period: p, times, names: block.map(nameOf) };
        return "stop";
      }
      if (times === this.warnAt && completed && verdict === "ok") {
        verdict = "warn";
        best = { period: p, times, names: block.map(nameOf) };
      } else if (p === 1) best = { period: 1, times, names: block.map(nameOf) };
    }
    this.#last = best;
    return verdict;
  }

  /** Length of the longest suffix that repeats with period `p` (p + the trailing matches keys[i] = keys[i-p]). */
  #suffixRun(p: number): number {
    const k = this.#keys;
    if (k.length < p) return 0;
    let run = p;
    for (let i = k.length - 1; i - p >= 0 && k[i] === k[i - p]; i--) run++;
    return run;
  }

  /** How often the last action (or cycle) came in a row. */
  get repeats(): number {
    return this.#last.times;
  }

  get last(): LoopRepeat {
    return this.#last;
  }

  /** "the same bash call 5 times in a row" or "the same cycle of 2 calls (bash, editor) 5 times in a row". */
  describe(): string {
    const { period, times, names } = this.#last;
    if (period === 1) return `the same ${names[0] ?? "tool"} call ${times} times in a row`;
    return `the same cycle of ${period} calls (${names.join(", ")}) ${times} times in a row`;
  }
}

/** A turn without tool calls whose end checkpoints failed: the model tried to finish without making them pass. */
export const FINISH_KEY = "\u0000finish";

function nameOf(key: string): string {
  return key === FINISH_KEY ? "finish" : key.slice(0, key.indexOf(":"));
}

/** Name + arguments with object keys sorted, so key order does not hide a repeat. */
export function callKey(call: ToolCall): string {
  return `${call.name}:${stableJson(call.arguments)}`;
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
  if (v && typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}
