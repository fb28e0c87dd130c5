import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BenchTask } from "../task.ts";
import type { TrialResult } from "../trial-result.ts";
import { writeJsonAtomic } from "../trial-result.ts";
import type { AtlasAgentOutput } from "./agent.ts";
import { type Claim, type ClaimMatch, type ClaimVerdict, coverageOf, exactVerdict } from "./claims.ts";
import { diagnose, type McpDiagnostics } from "./diagnostics.ts";
import { addSpend, type ClaimJudge, emptySpend, type JudgeSpend } from "./judge.ts";
import type { McpAtlasTask } from "./task.ts";

/**
 * The verifier of an MCP-Atlas trial, run on the host after the agent phase: the answer is scored claim by claim
 * (exact checks here, the others by the judge), reward = coverage, passed = coverage >= the pass threshold. The
 * trial folder gets verifier/claims.json (every verdict, with the judge's prompt and raw answer),
 * verifier/diagnostics.json, verifier/reward.json ({"reward": coverage}, Harbor's shape) and agent/answer.txt.
 * An empty answer scores 0 without a judge call (as MCP-Atlas's scorer skips empty and ERROR responses).
 */
export interface McpTrialSummary {
  format: "rows" | "harbor";
  coverage: number;
  passed: boolean;
  pass_threshold: number;
  claims: number;
  fulfilled: number;
  partially_fulfilled: number;
  missing_claims: string[];
  /** The judge's calls and cost, apart from the agent's; null when every claim was checked exactly. */
  judge: JudgeSpend | null;
  diagnostics: McpDiagnostics;
}

export class JudgeMissingError extends Error {
  override name = "JudgeMissingError";
}

/**
 * The judge could not score a claim (its call failed, or it answered without a verdict twice). The trial did not
 * get a verdict, so it is unscored (the verdict rule, src/core/verdict.ts) rather than docked for the judge's
 * failure; claims.json keeps every verdict that was reached.
 */
export class JudgeFailedError extends Error {
  override name = "JudgeFailedError";
}

/** Claims no exact check covers: they need a judge model. */
export function judgedClaims(task: McpAtlasTask): Claim[] {
  return task.spec.claims.filter((c) => !c.match);
}

export async function scoreAnswer(
  claims: readonly Claim[],
  answer: string,
  judge: ClaimJudge | undefined,
  signal?: AbortSignal,
): Promise<{ verdicts: ClaimVerdict[]; spend: JudgeSpend | null }> {
  if (!answer.trim()) {
    return {
      verdicts: claims.map((c) => ({
        claim: c.text,
        method: "none",
        outcome: "not_fulfilled",
        score: 0,
        justification: "empty answer",
      })),
      spend: null,
    };
  }
  const needJudge = claims.some((c) => !c.match);
  if (needJudge && !judge) {
    throw new JudgeMissingError(
      `${claims.filter((c) => !c.match).length} claim(s) have no exact match and no judge model was given (--judge)`,
    );
  }
  let spend = needJudge && judge ? emptySpend(judge.model) : null;
  const verdicts: ClaimVerdict[] = [];
  // One claim at a time: a judge's rate limit is shared by the whole job, and the order stays reproducible.
  for (const c of claims) {
    if (c.match) {
      verdicts.push(exactVerdict(c as Claim & { match: ClaimMatch }, answer));
      continue;
    }
    const j = judge as ClaimJudge;
    const { verdict, usage } = await j.judge(c.text, answer, signal);
    spend = addSpend(spend ?? emptySpend(j.model), usage, j.price(usage));
    verdicts.push(verdict);
  }
  return { verdicts, spend };
}

export async function scoreAtlasTrial(opts: {
  task: BenchTask & { mcpAtlas: McpAtlasTask };
  r: TrialResult;
  trialDir: string;
  output: AtlasAgentOutput | undefined;
  judge?: ClaimJudge;
  signal?: AbortSignal;
}): Promise<McpTrialSummary> {
  const atlas = opts.task.mcpAtlas;
  const answer = opts.output?.answer ?? "";
  const { verdicts, spend } = await scoreAnswer(atlas.spec.claims, answer, opts.judge, opts.signal);
  const coverage = coverageOf(verdicts);
  const passed = coverage >= atlas.passThreshold;
  const diagnostics = diagnose({
    calls: opts.output?.calls ?? [],
    enabledTools: atlas.spec.enabledTools,
    relevantTools: atlas.spec.relevantTools,
    claims: atlas.spec.claims,
    verdicts,
    toolBudget: atlas.toolBudget,
    passed,
  });
  const verifierDir = join(opts.trialDir, "verifier");
  const agentDir = join(opts.trialDir, "agent");
  mkdirSync(verifierDir, { recursive: true });
  mkdirSync(agentDir, { recursive: true });
  writeFileSync(join(agentDir, "answer.txt"), answer);
  writeJsonAtomic(join(verifierDir, "claims.json"), {
    coverage,
    pass_threshold: atlas.passThreshold,
    passed,
    judge: spend,
    verdicts,
  });
  writeJsonAtomic(join(verifierDir, "diagnostics.json"), diagnostics);
  const unjudged = verdicts.filter((v) => v.unjudged);
  if (unjudged.length === 0) {
    writeJsonAtomic(join(verifierDir, "reward.json"), { reward: coverage });
    writeFileSync(join(verifierDir, "reward.txt"), String(coverage));
    opts.r.verifier_result = { rewards: { reward: coverage } };
    opts.r.reward = coverage;
    opts.r.passed = passed;
  }
  const summary: McpTrialSummary = {
    format: atlas.format,
    coverage,
    passed,
    pass_threshold: atlas.passThreshold,
    claims: verdicts.length,
    fulfilled: verdicts.filter((v) => v.score >= 1).length,
    partially_fulfilled: verdicts.filter((v) => v.score > 0 && v.score < 1).length,
    missing_claims: diagnostics.missing_claims,
    judge: spend,
    diagnostics,
  };
  opts.r.mcp = summary;
  if (unjudged.length > 0) {
    throw new JudgeFailedError(
      `${unjudged.length} of ${verdicts.length} claim(s) were not judged (${unjudged[0]?.justification.replace(/^not judged: /, "")}); the trial is unscored, not the agent's 0 (verifier/claims.json has the verdicts reached)`,
    );
  }
  return summary;
}
