import { closeSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } from "node:fs";
import type { RunEvent, RunEventBody } from "../core/events.ts";
import type { Message, ToolCall, ToolResult } from "../core/messages.ts";
import { toolCallsOf } from "../core/messages.ts";
import type { Usage } from "../core/usage.ts";
import { addUsage, promptTokens, ZERO_USAGE } from "../core/usage.ts";
import { interruptedResult, NOTE_PREFIX, userText } from "./history.ts";
import type { LoopPrior } from "./loop-types.ts";
import type { Redactor } from "./redact.ts";

/**
 * transcript.jsonl: one RunEvent per line, appended and fsynced as it happens (secrets redacted), so a run killed
 * at any point (even SIGKILL) leaves every completed event on disk. A torn last line is ignored on read.
 */
export class TranscriptWriter {
  readonly file: string;
  readonly runId: string;
  #fd: number;
  #seq: number;
  #redact: Redactor;

  constructor(opts: { file: string; runId: string; redact: Redactor; nextSeq?: number }) {
    this.file = opts.file;
    this.runId = opts.runId;
    this.#redact = opts.redact;
    this.#seq = opts.nextSeq ?? 0;
    this.#fd = openSync(opts.file, "a");
  }

  /** Stamp, redact, append and fsync one event; returns the line written (without newline). */
  append(body: RunEventBody, step: number): { event: RunEvent; line: string } {
    const event: RunEvent = { ...body, runId: this.runId, seq: this.#seq++, step, ts: new Date().toISOString() };
    const line = this.#redact(JSON.stringify(event));
    writeSync(this.#fd, `${line}\n`);
    fsyncSync(this.#fd);
    return { event, line };
  }

  close(): void {
    closeSync(this.#fd);
  }
}

/** What repairTranscriptTail did to a transcript whose last line had no newline. */
export interface TailRepair {
  /** "dropped": the torn line did not parse and was cut off; "terminated": it parsed and got its newline. */
  action: "dropped" | "terminated";
  bytes: number;
  /** The start of the torn line (for the record; redacted when written). */
  fragment: string;
}

/**
 * Make a transcript safe to append to: a run killed mid-write (SIGKILL between the write and its newline) leaves
 * a last line without "\n", and the next append would be glued onto it and lost with it. A tail that parses is
 * terminated; one that does not is cut off. Returns what was done, or undefined when the file was sound.
 */
export function repairTranscriptTail(file: string): TailRepair | undefined {
  const buf = readFileSync(file);
  if (buf.length === 0 || buf[buf.length - 1] === 0x0a) return undefined;
  const cut = buf.lastIndexOf(0x0a) + 1;
  const tail = buf.subarray(cut).toString("utf8");
  let parses = false;
  try {
    JSON.parse(tail);
    parses = true;
  } catch {
    parses = false;
  }
  const fd = openSync(file, "r+");
  try {
    if (parses) writeSync(fd, "\n", buf.length);
    else truncateSync(file, cut);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return { action: parses ? "terminated" : "dropped", bytes: buf.length - cut, fragment: tail.slice(0, 200) };
}

export function readTranscript(file: string): RunEvent[] {
  const events: RunEvent[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line.trim()) continue;
    try {
      events.push(JSON.parse(line) as RunEvent);
    } catch {
      // A line torn by a kill mid-write; everything before it is intact.
    }
  }
  return events;
}

export interface ResumeState {
  task: string;
  history: Message[];
  steps: number;
  usage: Usage;
  lastContextTokens: number;
  nextSeq: number;
  budgetWarned: boolean;
  /** Calls that had started but had no result; they get an "interrupted" result and are not re-run. */
  interrupted: ToolCall[];
  final?: Extract<RunEventBody, { type: "final" }>;
}

/**
 * What the loop carries over from a transcript's steps (resume, `run --continue`). `budgetWarned` false: the
 * budget note may come again (a follow-up gets its limits afresh).
 */
export function loopPrior(state: ResumeState, opts: { budgetWarned?: boolean } = {}): LoopPrior {
  return {
    steps: state.steps,
    usage: state.usage,
    lastContextTokens: state.lastContextTokens,
    measuredMessages: state.history.length,
    budgetWarned: opts.budgetWarned ?? state.budgetWarned,
  };
}

/**
 * Rebuild the conversation from a transcript: the task, every model response, every tool result, notes the loop
 * added, compactions (which replace the history). A step whose model response is missing is simply re-run; a tool
 * call with no result is answered "interrupted" (the model decides whether to repeat it), never re-executed.
 */
export function rebuildHistory(events: RunEvent[]): ResumeState {
  const started = events.find((e) => e.type === "run_started");
  if (started?.type !== "run_started") throw new Error("transcript has no run_started event");
  const task = started.task;
  let history: Message[] = [userText(task)];
  let steps = 0;
  let usage = ZERO_USAGE;
  let lastContext = 0;
  let budgetWarned = false;
  let pending: { calls: ToolCall[]; results: ToolResult[] } | undefined;
  const interrupted: ToolCall[] = [];
  let final: ResumeState["final"];

  const closePending = () => {
    if (!pending) return;
    const results = pending.calls.map((c) => {
      const r = pending?.results.find((x) => x.callId === c.id);
      if (r) return r;
      interrupted.push(c);
      return interruptedResult(c);
    });
    history.push({ role: "tool", content: results });
    pending = undefined;
  };

  for (const e of events) {
    switch (e.type) {
      case "model_response": {
        closePending();
        history.push(e.message);
        steps = Math.max(steps, e.step);
        usage = addUsage(usage, e.usage);
        lastContext = promptTokens(e.usage) + e.usage.output;
        const calls = toolCallsOf(e.message);
        if (calls.length) pending = { calls, results: [] };
        break;
      }
      case "tool_result":
        pending?.results.push(e.result);
        break;
      case "warning":
        // A resume goes on after an earlier final (or redoes its review): until a new final, the run has not ended.
        if (e.code === "resumed") final = undefined;
        if (e.code.startsWith(NOTE_PREFIX)) {
          closePending();
          history.push(userText(e.message));
          if (e.code === `${NOTE_PREFIX}budget`) budgetWarned = true;
        }
        break;
      case "compaction":
        // The compaction's own tokens (a summary turn, a /responses/compact call) count toward the run's totals.
        if (e.usage) usage = addUsage(usage, e.usage);
        if (e.messages) {
          closePending();
          history = [...e.messages];
          lastContext = 0;
        }
        break;
      case "follow_up":
        // A follow-up turn reopens a finished run: its earlier final no longer ends it.
        closePending();
        history.push(userText(e.text));
        final = undefined;
        break;
      case "final":
        final = e;
        break;
      default:
        break;
    }
  }
  closePending();
  const last = events.at(-1);
  return {
    task,
    history,
    steps,
    usage,
    lastContextTokens: lastContext,
    nextSeq: last ? last.seq + 1 : 0,
    budgetWarned,
    interrupted,
    ...(final ? { final } : {}),
  };
}
