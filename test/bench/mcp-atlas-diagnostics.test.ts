import assert from "node:assert/strict";
import { test } from "node:test";
import type { Claim, ClaimVerdict } from "../../src/bench/mcp-atlas/claims.ts";
import { type CallRecord, callRecords, diagnose, sumDiagnostics } from "../../src/bench/mcp-atlas/diagnostics.ts";
import type { RunEventBody } from "../../src/core/events.ts";

/** The diagnostics of MCP-Atlas-style trials, from the calls alone: counts, recovery, synthesis, failure modes. */
const ENABLED = ["fs_read", "fs_write", "mem_search", "mem_open", "calc_sum", "calc_echo"];
const RELEVANT = ["fs_read", "calc_sum"];
const rec = (atlas: string | undefined, o: Partial<CallRecord> = {}): CallRecord => ({
  name: `mcp__x__${atlas ?? "nosuch"}`,
  ...(atlas ? { atlas } : {}),
  arguments: {},
  invalidArguments: false,
  isError: false,
  output: "",
  ...o,
});
const claims: Claim[] = [
  { text: "total is 42", match: { type: "number", value: 42 } },
  { text: "file is notes.txt", match: { type: "string", value: "notes.txt" } },
];
const verdict = (score: number, claim = "c"): ClaimVerdict => ({
  claim,
  method: "exact",
  outcome: score === 1 ? "fulfilled" : "not_fulfilled",
  score,
  justification: "",
});
const run = (calls: CallRecord[], scores: number[], extra: Partial<Parameters<typeof diagnose>[0]> = {}) =>
  diagnose({
    calls,
    enabledTools: ENABLED,
    relevantTools: RELEVANT,
    claims,
    verdicts: scores.map((s, i) => verdict(s, claims[i]?.text)),
    toolBudget: 100,
    passed: scores.reduce((a, b) => a + b, 0) / scores.length >= 0.75,
    ...extra,
  });

test("a clean pass: relevant tools found, no distractors, no failure mode", () => {
  const d = run([rec("fs_read", { output: "notes.txt" }), rec("calc_sum", { output: "42" })], [1, 1]);
  assert.equal(d.relevant_discovered, 2);
  assert.deepEqual(d.relevant_missed, []);
  assert.equal(d.distractor_calls, 0);
  assert.equal(d.failure_mode, null);
  assert.equal(d.synthesis_failure, false);
});

test("distractors, an invalid call fixed later and an error recovered are counted; a call to an unknown tool apart", () => {
  const d = run(
    [
      rec("mem_search"),
      rec("fs_read", { invalidArguments: true, isError: true }),
      rec("fs_read", { output: "notes.txt" }),
      rec("calc_sum", { isError: true }),
      rec("calc_sum", { output: "42" }),
      rec("mem_search"),
      rec(undefined),
    ],
    [1, 1],
  );
  assert.equal(d.tool_calls, 7);
  assert.equal(d.distractor_calls, 2);
  assert.deepEqual(d.distractors_called, ["mem_search"]);
  assert.equal(d.unknown_tool_calls, 1);
  assert.equal(d.invalid_parameter_calls, 1);
  assert.equal(d.tool_errors, 2);
  assert.equal(d.recovered_errors, 2);
  assert.equal(d.unrecovered_errors, 0);
});

test("failure modes: no_tool_use, faulty_synthesis, malformed_call, err_recovery, wrong_tool, early_termination", () => {
  assert.equal(run([], [0, 0]).failure_mode, "no_tool_use");
  const synth = run([rec("fs_read", { output: "notes.txt" }), rec("calc_sum", { output: "sum 42" })], [0, 1]);
  assert.equal(synth.failure_mode, "faulty_synthesis");
  assert.deepEqual(synth.grounded_missing_claims, ["total is 42"]);
  assert.deepEqual(synth.missing_claims, ["total is 42"]);
  assert.equal(run([rec("fs_read", { invalidArguments: true, isError: true })], [0, 0]).failure_mode, "malformed_call");
  assert.equal(run([rec("fs_read", { isError: true }), rec("calc_sum")], [0, 0]).failure_mode, "err_recovery");
  assert.equal(run([rec("mem_open"), rec("fs_read")], [0, 0]).failure_mode, "wrong_tool");
  assert.equal(run([rec("fs_read")], [0, 0]).failure_mode, "early_termination");
});

test("a judged claim missed after every relevant tool answered is a synthesis failure; the budget is reported", () => {
  const judged: Claim[] = [{ text: "the summary says X" }];
  const d = diagnose({
    calls: [rec("fs_read"), rec("calc_sum")],
    enabledTools: ENABLED,
    relevantTools: RELEVANT,
    claims: judged,
    verdicts: [{ ...verdict(0, "the summary says X"), method: "judge" }],
    toolBudget: 2,
    passed: false,
  });
  assert.equal(d.synthesis_failure, true);
  assert.equal(d.budget_exhausted, true, "2 calls of a budget of 2");
  const sum = sumDiagnostics([
    d,
    run([], [0, 0]),
    run([rec("fs_read", { output: "notes.txt" }), rec("calc_sum", { output: "42" })], [1, 1]),
  ]);
  assert.equal(sum.trials, 3);
  assert.equal(sum.tool_calls, 4);
  assert.equal(sum.synthesis_failures, 1);
  assert.equal(sum.budget_exhausted, 1);
  assert.deepEqual(sum.failure_modes, { faulty_synthesis: 1, no_tool_use: 1 });
});

test("call records from run events: a schema rejection counts as invalid parameters, the MCP-Atlas name is kept", () => {
  const events: RunEventBody[] = [
    { type: "tool_call", call: { type: "tool_call", id: "1", name: "mcp__fs__read", arguments: { p: 1 } } },
    {
      type: "tool_result",
      result: {
        type: "tool_result",
        callId: "1",
        name: "mcp__fs__read",
        content: [{ type: "text", text: "Invalid arguments for mcp__fs__read: p must be a string" }],
        isError: true,
      },
      durationMs: 1,
    },
  ];
  const [r] = callRecords(events, new Map([["mcp__fs__read", "fs_read"]]));
  assert.equal(r?.atlas, "fs_read");
  assert.equal(r?.invalidArguments, true);
  assert.equal(r?.isError, true);
});
