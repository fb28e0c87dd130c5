import type { RunEventBody } from "../../core/events.ts";
import { type Claim, type ClaimVerdict, matches } from "./claims.ts";

/**
 * Diagnostics of one MCP-Atlas trial, computed from its tool calls (no model needed), in the spirit of MCP-Atlas's
 * failure taxonomy (services/diagnostics/mcp_failure_taxonomy.py). MCP-Atlas asks a judge model to pick one of 11
 * modes; these are the measurable parts of its four tool-call modes plus the synthesis check:
 * - relevant tools discovered: relevant (the reference solution's) tools called at least once, successfully or not;
 * - distractor calls: calls to enabled tools that are not relevant;
 * - invalid parameters: calls whose arguments did not parse or failed the tool's schema (malformed_call);
 * - tool errors and recovery: error results, and how many were followed by a successful call of the same tool
 *   later in the run (err_recovery counts the others);
 * - calls used against the tool-call budget (MCP-Atlas's max_tool_calls, default 100);
 * - synthesis failure (faulty_synthesis): the answer misses claims although the tool outputs held them — an
 *   exact-match claim found in a successful tool output but not in the answer, or a judged claim missed after
 *   every relevant tool had answered successfully.
 * `failure_mode` names the most likely MCP-Atlas mode for a trial below the pass threshold (null when it passed).
 */
export interface CallRecord {
  /** The tool name the model used. */
  name: string;
  /** Its MCP-Atlas name, when it is one of the task's enabled tools. */
  atlas?: string;
  arguments: Record<string, unknown>;
  /** The arguments did not parse, or failed the tool's schema. */
  invalidArguments: boolean;
  isError: boolean;
  output: string;
}

export type FailureMode =
  | "no_tool_use"
  | "malformed_call"
  | "wrong_tool"
  | "err_recovery"
  | "early_termination"
  | "faulty_synthesis"
  | "unclassified";

export interface McpDiagnostics {
  enabled_tools: number;
  relevant_tools: number;
  relevant_discovered: number;
  relevant_missed: string[];
  tool_calls: number;
  tool_budget: number;
  budget_exhausted: boolean;
  distractor_calls: number;
  distractors_called: string[];
  /** Calls to tools the task does not offer. */
  unknown_tool_calls: number;
  invalid_parameter_calls: number;
  tool_errors: number;
  recovered_errors: number;
  unrecovered_errors: number;
  synthesis_failure: boolean;
  missing_claims: string[];
  /** Missing exact-match claims whose facts a successful tool output held. */
  grounded_missing_claims: string[];
  failure_mode: FailureMode | null;
}

const INVALID_PREFIX = "Invalid arguments for ";

/** The calls of a run, in order, from its events (tool_call then its tool_result). */
export function callRecords(events: readonly RunEventBody[], atlasNames: ReadonlyMap<string, string>): CallRecord[] {
  const byId = new Map<string, CallRecord>();
  const out: CallRecord[] = [];
  for (const e of events) {
    if (e.type === "tool_call") {
      const atlas = atlasNames.get(e.call.name);
      const rec: CallRecord = {
        name: e.call.name,
        ...(atlas ? { atlas } : {}),
        arguments: e.call.arguments,
        invalidArguments: e.call.argumentsError !== undefined,
        isError: false,
        output: "",
      };
      byId.set(e.call.id, rec);
      out.push(rec);
    } else if (e.type === "tool_result") {
      const rec = byId.get(e.result.callId);
      if (!rec) continue;
      const text = e.result.content.map((p) => (p.type === "text" ? p.text : "")).join("\n");
      rec.isError = e.result.isError === true;
      rec.output = text;
      if (rec.isError && text.startsWith(INVALID_PREFIX)) rec.invalidArguments = true;
    }
  }
  return out;
}

export interface DiagnosticsInput {
  calls: readonly CallRecord[];
  enabledTools: readonly string[];
  relevantTools: readonly string[];
  claims: readonly Claim[];
  verdicts: readonly ClaimVerdict[];
  toolBudget: number;
  passed: boolean;
}

export function diagnose(input: DiagnosticsInput): McpDiagnostics {
  const { calls, relevantTools } = input;
  const relevant = new Set(relevantTools);
  const called = new Set(calls.flatMap((c) => (c.atlas ? [c.atlas] : [])));
  const succeeded = new Set(calls.flatMap((c) => (c.atlas && !c.isError ? [c.atlas] : [])));
  const distractors = relevant.size ? calls.filter((c) => c.atlas && !relevant.has(c.atlas)) : [];
  let recovered = 0;
  let errors = 0;
  calls.forEach((c, i) => {
    if (!c.isError) return;
    errors++;
    if (calls.slice(i + 1).some((later) => later.name === c.name && !later.isError)) recovered++;
  });
  const outputs = calls.filter((c) => !c.isError).map((c) => c.output);
  const missing = input.verdicts.filter((v) => v.score < 1);
  const grounded = input.claims.filter(
    (c, i) => c.match && (input.verdicts[i]?.score ?? 0) < 1 && outputs.some((o) => c.match && matches(c.match, o)),
  );
  const missingJudged = input.claims.some((c, i) => !c.match && (input.verdicts[i]?.score ?? 0) < 1);
  const allRelevantAnswered = relevant.size > 0 && [...relevant].every((t) => succeeded.has(t));
  const synthesis = grounded.length > 0 || (missingJudged && allRelevantAnswered);
  const invalid = calls.filter((c) => c.invalidArguments);
  const missed = relevantTools.filter((t) => !called.has(t));
  const d: McpDiagnostics = {
    enabled_tools: input.enabledTools.length,
    relevant_tools: relevant.size,
    relevant_discovered: [...relevant].filter((t) => called.has(t)).length,
    relevant_missed: missed,
    tool_calls: calls.length,
    tool_budget: input.toolBudget,
    budget_exhausted: calls.length >= input.toolBudget,
    distractor_calls: distractors.length,
    distractors_called: [...new Set(distractors.map((c) => c.atlas as string))],
    unknown_tool_calls: calls.filter((c) => !c.atlas).length,
    invalid_parameter_calls: invalid.length,
    tool_errors: errors,
    recovered_errors: recovered,
    unrecovered_errors: errors - recovered,
    synthesis_failure: synthesis,
    missing_claims: missing.map((v) => v.claim),
    grounded_missing_claims: grounded.map((c) => c.text),
    failure_mode: null,
  };
  if (!input.passed) d.failure_mode = failureMode(d, invalid, calls);
  return d;
}

function failureMode(d: McpDiagnostics, invalid: readonly CallRecord[], calls: readonly CallRecord[]): FailureMode {
  if (d.tool_calls === 0) return "no_tool_use";
  if (d.synthesis_failure) return "faulty_synthesis";
  const lastInvalidUnfixed = invalid.some(
    (c) => !calls.slice(calls.indexOf(c) + 1).some((l) => l.name === c.name && !l.isError),
  );
  if (lastInvalidUnfixed) return "malformed_call";
  if (d.unrecovered_errors > 0) return "err_recovery";
  if (d.relevant_missed.length > 0) return d.distractor_calls > 0 ? "wrong_tool" : "early_termination";
  return "unclassified";
}

/** Per-model totals for the report: sums, and the share of trials per failure mode. */
export interface McpModelDiagnostics {
  trials: number;
  tool_calls: number;
  distractor_calls: number;
  invalid_parameter_calls: number;
  tool_errors: number;
  recovered_errors: number;
  relevant_discovered: number;
  relevant_tools: number;
  synthesis_failures: number;
  budget_exhausted: number;
  failure_modes: Partial<Record<FailureMode, number>>;
}

export function sumDiagnostics(list: readonly McpDiagnostics[]): McpModelDiagnostics {
  const out: McpModelDiagnostics = {
    trials: list.length,
    tool_calls: 0,
    distractor_calls: 0,
    invalid_parameter_calls: 0,
    tool_errors: 0,
    recovered_errors: 0,
    relevant_discovered: 0,
    relevant_tools: 0,
    synthesis_failures: 0,
    budget_exhausted: 0,
    failure_modes: {},
  };
  for (const d of list) {
    out.tool_calls += d.tool_calls;
    out.distractor_calls += d.distractor_calls;
    out.invalid_parameter_calls += d.invalid_parameter_calls;
    out.tool_errors += d.tool_errors;
    out.recovered_errors += d.recovered_errors;
    out.relevant_discovered += d.relevant_discovered;
    out.relevant_tools += d.relevant_tools;
    if (d.synthesis_failure) out.synthesis_failures++;
    if (d.budget_exhausted) out.budget_exhausted++;
    if (d.failure_mode) out.failure_modes[d.failure_mode] = (out.failure_modes[d.failure_mode] ?? 0) + 1;
  }
  return out;
}
