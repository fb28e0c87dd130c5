import { groupLabel } from "../stats.ts";
import { isScored, type TrialResult } from "../trial-result.ts";
import { type McpModelDiagnostics, sumDiagnostics } from "./diagnostics.ts";

/**
 * The MCP-Atlas section of a job report (report.md / report.html, and `switchyard view`): per agent / model the mean
 * claims coverage and pass rate over scored MCP trials (the bench's verdict rule: isScored), the judge's calls and
 * cost apart from the agent's, and the diagnostics summed (diagnostics.ts); then one row per MCP trial with its
 * coverage, the claims it missed and its failure mode. Pure: tables of strings, rendered by the caller.
 */
export interface McpTable {
  head: string[];
  rows: string[][];
}

export interface McpReportSection {
  title: string;
  note: string;
  tables: McpTable[];
}

export interface McpGroupSummary {
  label: string;
  trials: number;
  scored: number;
  mean_coverage: number | null;
  pass_rate: number | null;
  judge_calls: number;
  /** USD; null when a judge model had no price. */
  judge_cost_usd: number | null;
  diagnostics: McpModelDiagnostics;
}

export function mcpGroups(trials: readonly TrialResult[]): McpGroupSummary[] {
  const byGroup = new Map<string, TrialResult[]>();
  for (const t of trials) {
    if (!t.mcp) continue;
    const label = groupLabel(t);
    byGroup.set(label, [...(byGroup.get(label) ?? []), t]);
  }
  return [...byGroup].map(([label, list]) => {
    const scored = list.filter(isScored);
    const withMcp = scored.flatMap((t) => (t.mcp ? [t.mcp] : []));
    const judged = list.flatMap((t) => (t.mcp?.judge ? [t.mcp.judge] : []));
    return {
      label,
      trials: list.length,
      scored: scored.length,
      mean_coverage: withMcp.length ? withMcp.reduce((a, m) => a + m.coverage, 0) / withMcp.length : null,
      pass_rate: withMcp.length ? withMcp.filter((m) => m.passed).length / withMcp.length : null,
      judge_calls: judged.reduce((a, j) => a + j.calls, 0),
      judge_cost_usd: judged.some((j) => j.cost_usd === null)
        ? null
        : judged.reduce((a, j) => a + (j.cost_usd ?? 0), 0),
      diagnostics: sumDiagnostics(withMcp.map((m) => m.diagnostics)),
    };
  });
}

const pct = (v: number | null) => (v === null ? "–" : `${(v * 100).toFixed(1)}%`);
const per = (n: number, d: number) => (d ? (n / d).toFixed(1) : "–");

function modes(d: McpModelDiagnostics): string {
  const list = Object.entries(d.failure_modes).sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0));
  return list.length ? list.map(([m, n]) => `${m} ${n}`).join(", ") : "–";
}

/** Undefined when the job has no MCP-Atlas-style trial. */
export function mcpReportSection(trials: readonly TrialResult[]): McpReportSection | undefined {
  const groups = mcpGroups(trials);
  if (groups.length === 0) return undefined;
  const summary: McpTable = {
    head: [
      "agent / model",
      "scored / trials",
      "mean coverage",
      "pass rate",
      "judge calls",
      "judge cost",
      "tool calls / trial",
      "distractor calls",
      "invalid params",
      "tool errors (recovered)",
      "relevant tools found",
      "synthesis failures",
      "budget exhausted",
      "failure modes",
    ],
    rows: groups.map((g) => {
      const d = g.diagnostics;
      return [
        g.label,
        `${g.scored} / ${g.trials}`,
        g.mean_coverage === null ? "–" : g.mean_coverage.toFixed(3),
        pct(g.pass_rate),
        String(g.judge_calls),
        g.judge_calls === 0 ? "–" : g.judge_cost_usd === null ? "unknown" : `$${g.judge_cost_usd.toFixed(4)}`,
        per(d.tool_calls, d.trials),
        String(d.distractor_calls),
        String(d.invalid_parameter_calls),
        `${d.tool_errors} (${d.recovered_errors})`,
        d.relevant_tools ? `${d.relevant_discovered} / ${d.relevant_tools}` : "–",
        String(d.synthesis_failures),
        String(d.budget_exhausted),
        modes(d),
      ];
    }),
  };
  const perTrial: McpTable = {
    head: ["trial", "coverage", "passed", "missing claims", "failure mode"],
    rows: trials
      .filter((t) => t.mcp)
      .sort((a, b) => a.trial_name.localeCompare(b.trial_name))
      .map((t) => {
        const m = t.mcp as NonNullable<TrialResult["mcp"]>;
        const scored = isScored(t);
        return [
          t.trial_name,
          scored ? m.coverage.toFixed(3) : "unscored",
          scored ? (m.passed ? "yes" : "no") : "–",
          m.missing_claims.length ? m.missing_claims.join("; ") : "–",
          m.diagnostics.failure_mode ?? "–",
        ];
      }),
  };
  return {
    title: "MCP tool use (claims coverage and diagnostics)",
    note:
      "MCP-Atlas-style tasks: reward = claims coverage (exact checks, or the judge model: fulfilled 1, partial 0.5), " +
      "passed = coverage ≥ the task's threshold (default 0.75); coverage and pass rate count scored trials only. " +
      "Judge calls and cost are the judge model's, not in the agent's cost. Distractor calls go to enabled tools " +
      "outside the reference solution's; a synthesis failure is an answer missing claims the tool outputs held.",
    tables: [summary, perTrial],
  };
}
