import { z } from "zod";
import { parsePyLiteral } from "./py-literal.ts";

/**
 * Claims: the atomic, independently checkable facts a complete answer states (MCP-Atlas's GTFA_CLAIMS). A claim is
 * scored by the judge model (MCP-Atlas's way: fulfilled 1, partially fulfilled 0.5, not fulfilled 0) or, when it
 * carries a `match`, by an exact check that needs no model (Switchyard's extension, for offline and CI runs):
 * - `string`: the answer contains the value (case-insensitive unless case_sensitive; whitespace collapsed);
 * - `regex`: the pattern matches the answer (JavaScript syntax; flags default "i");
 * - `number`: some number in the answer is within `tolerance` (absolute, default 0) or `relative` (a share of
 *   the value) of `value`; "1,234.5" and "1234.5" both read as 1234.5.
 * An exact check is all or nothing (1 or 0). Coverage is the mean claim score, rounded to 3 decimals as MCP-Atlas's
 * scorer does (services/scoring/score_claims.py); a task passes at coverage >= the threshold (default 0.75).
 */
export const ClaimMatchSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("string"), value: z.string().min(1), case_sensitive: z.boolean().optional() }),
  z.strictObject({ type: z.literal("regex"), pattern: z.string().min(1), flags: z.string().optional() }),
  z.strictObject({
    type: z.literal("number"),
    value: z.number(),
    tolerance: z.number().nonnegative().optional(),
    relative: z.number().nonnegative().optional(),
  }),
]);
export type ClaimMatch = z.infer<typeof ClaimMatchSchema>;

export interface Claim {
  text: string;
  /** MCP-Atlas Harbor rubrics carry an id; rows do not. */
  id?: string;
  match?: ClaimMatch;
}

/** One claim's verdict as stored in the trial (verifier/claims.json). */
export interface ClaimVerdict {
  claim: string;
  method: "exact" | "judge" | "none";
  outcome: "fulfilled" | "partially_fulfilled" | "not_fulfilled";
  score: number;
  justification: string;
  /** Judge only: the prompt sent and the model's raw answer. */
  prompt?: string;
  raw?: string;
  confidence?: number;
  /** Judge only: the judge could not give a verdict (its call failed, or its answers held none). */
  unjudged?: true;
}

export const DEFAULT_PASS_THRESHOLD = 0.75;

const ObjectClaimSchema = z.looseObject({
  claim: z.string().optional(),
  text: z.string().optional(),
  title: z.string().optional(),
  id: z.union([z.string(), z.number()]).optional(),
  match: ClaimMatchSchema.optional(),
});

/** MCP-Atlas's claim clean-up (score_claims.py clean_claim_text): bullets, numbering and typographic quotes. */
export function cleanClaimText(text: string): string {
  return text
    .trim()
    .replace(/^[-*•·◦‣⁃]\s*/, "")
    .replace(/^\d+[.)]\s*/, "")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u2013\u2014]/g, "-")
    .replace(/\u2026/g, "...")
    .trim();
}

/** A claim entry: a string, or {claim|text|title, id?, match?}. Throws with what is wrong. */
function claimOf(entry: unknown, at: string): Claim | undefined {
  if (typeof entry === "string") {
    const text = cleanClaimText(entry);
    return text.length > 3 ? { text } : undefined;
  }
  const r = ObjectClaimSchema.safeParse(entry);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new Error(`${at}${issue?.path.length ? `.${issue.path.join(".")}` : ""}: ${issue?.message ?? "invalid"}`);
  }
  const text = cleanClaimText(r.data.claim ?? r.data.text ?? r.data.title ?? "");
  if (!text) throw new Error(`${at}: a claim object needs "claim" (or "text"/"title")`);
  return {
    text,
    ...(r.data.id === undefined ? {} : { id: String(r.data.id) }),
    ...(r.data.match ? { match: r.data.match } : {}),
  };
}

/**
 * The claims of a GTFA_CLAIMS / claims / rubrics value: a list, a JSON list, a Python list literal (`str(list)`),
 * or text with one claim per bullet or line (MCP-Atlas's extract_claims fallbacks). Claims of 3 characters or less
 * are dropped, as MCP-Atlas drops them. Throws with the position of a bad entry.
 */
export function parseClaims(value: unknown): Claim[] {
  let list: unknown = value;
  if (typeof value === "string") {
    const s = value.trim();
    if (!s) return [];
    if (s.startsWith("[") && s.endsWith("]")) {
      try {
        list = JSON.parse(s);
      } catch {
        try {
          list = parsePyLiteral(s);
        } catch {
          list = undefined;
        }
      }
    }
    if (!Array.isArray(list)) list = splitClaimText(s);
  }
  if (!Array.isArray(list)) throw new Error("expected a list of claims");
  return list.flatMap((e, i) => claimOf(e, `[${i}]`) ?? []);
}

function splitClaimText(s: string): string[] {
  for (const sep of ["\n•", "\n-", "\n*", ";", "||"]) if (s.includes(sep)) return s.split(sep);
  return s.split("\n");
}

const NUMBER = /-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?/g;

/** Numbers written in a text ("1,234.5", "-3", "0.25"). */
export function numbersIn(text: string): number[] {
  return [...text.matchAll(NUMBER)].map((m) => Number(m[0].replaceAll(",", "")));
}

/** Does `text` satisfy the exact check? Invalid regexes are caught at load time (validateMatch). */
export function matches(match: ClaimMatch, text: string): boolean {
  switch (match.type) {
    case "string": {
      const norm = (s: string) => s.replace(/\s+/g, " ");
      return match.case_sensitive
        ? norm(text).includes(norm(match.value))
        : norm(text).toLowerCase().includes(norm(match.value).toLowerCase());
    }
    case "regex":
      return new RegExp(match.pattern, match.flags ?? "i").test(text);
    case "number": {
      const slack = Math.max(match.tolerance ?? 0, (match.relative ?? 0) * Math.abs(match.value));
      return numbersIn(text).some((n) => Math.abs(n - match.value) <= slack + 1e-9);
    }
    default: {
      const never: never = match;
      return never;
    }
  }
}

/** Throws when a regex does not compile or has flags JavaScript refuses. */
export function validateMatch(match: ClaimMatch): void {
  if (match.type === "regex") new RegExp(match.pattern, match.flags ?? "i");
}

export function exactVerdict(claim: Claim & { match: ClaimMatch }, answer: string): ClaimVerdict {
  const ok = matches(claim.match, answer);
  return {
    claim: claim.text,
    method: "exact",
    outcome: ok ? "fulfilled" : "not_fulfilled",
    score: ok ? 1 : 0,
    justification: `${describeMatch(claim.match)} ${ok ? "found in" : "not found in"} the answer`,
  };
}

export function describeMatch(m: ClaimMatch): string {
  if (m.type === "string") return `text "${m.value}"`;
  if (m.type === "regex") return `pattern /${m.pattern}/${m.flags ?? "i"}`;
  const slack = [m.tolerance ? `±${m.tolerance}` : "", m.relative ? `±${m.relative * 100}%` : ""].filter(Boolean);
  return `number ${m.value}${slack.length ? ` (${slack.join(", ")})` : ""}`;
}

/** Mean claim score rounded to 3 decimals; 0 for a task without claims (nothing can be credited). */
export function coverageOf(verdicts: readonly ClaimVerdict[]): number {
  if (verdicts.length === 0) return 0;
  return Math.round((verdicts.reduce((a, v) => a + v.score, 0) / verdicts.length) * 1000) / 1000;
}
