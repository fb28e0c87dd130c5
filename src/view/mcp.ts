import { mcpReportSection } from "../bench/mcp-atlas/report.ts";
import type { TrialResult } from "../bench/trial-result.ts";
import { esc, table } from "./html.ts";

/**
 * The viewer's MCP-Atlas sections: on a job page the report's MCP tables (src/bench/mcp-atlas/report.ts), on a trial
 * page its coverage, the verdict per claim (verifier/claims.json) and the answer scored. Nothing for other trials.
 */
export function mcpJobHtml(trials: readonly TrialResult[]): string {
  const sec = mcpReportSection(trials);
  if (!sec) return "";
  const tables = sec.tables.map((t) =>
    table(
      t.head.map(esc),
      t.rows.map((r) => r.map(esc)),
      { cls: "mcp" },
    ),
  );
  return [`<h2>${esc(sec.title)}</h2>`, `<p class="note">${esc(sec.note)}</p>`, ...tables].join("\n");
}

interface StoredVerdict {
  claim?: string;
  method?: string;
  outcome?: string;
  score?: number;
  justification?: string;
}

export function mcpTrialHtml(r: TrialResult, claimsJson: string | undefined, answer: string | undefined): string {
  const m = r.mcp;
  if (!m) return "";
  let verdicts: StoredVerdict[] = [];
  try {
    const v = JSON.parse(claimsJson ?? "{}") as { verdicts?: StoredVerdict[] };
    verdicts = Array.isArray(v.verdicts) ? v.verdicts : [];
  } catch {
    verdicts = [];
  }
  const d = m.diagnostics;
  const facts = [
    `coverage ${m.coverage.toFixed(3)} (pass at ≥ ${m.pass_threshold}): ${m.passed ? "passed" : "failed"}`,
    `${d.tool_calls} of ${d.tool_budget} tool calls · ${d.distractor_calls} to distractors · ${d.invalid_parameter_calls} invalid · ${d.tool_errors} errors (${d.recovered_errors} recovered)`,
    `relevant tools found ${d.relevant_discovered} / ${d.relevant_tools}${d.failure_mode ? ` · failure mode ${d.failure_mode}` : ""}`,
    m.judge
      ? `judge ${m.judge.model}: ${m.judge.calls} calls, ${m.judge.cost_usd === null ? "cost unknown" : `$${m.judge.cost_usd.toFixed(4)}`} (not in the agent's cost)`
      : "",
  ].filter(Boolean);
  return [
    `<h2>Claims</h2>`,
    `<ul>${facts.map((f) => `<li>${esc(f)}</li>`).join("")}</ul>`,
    table(
      ["claim", "method", "outcome", "score", "justification"],
      verdicts.map((v) => [esc(v.claim), esc(v.method), esc(v.outcome), esc(v.score), esc(v.justification)]),
      { cls: "mcp-claims" },
    ),
    answer === undefined ? "" : `<h3>answer scored</h3><pre>${esc(answer)}</pre>`,
  ].join("\n");
}
