import { readFileSync } from "node:fs";
import { parse as parseCsv } from "csv-parse/sync";
import { ConfigError } from "../../core/errors.ts";
import { type Claim, parseClaims, validateMatch } from "./claims.ts";
import { parsePyLiteral } from "./py-literal.ts";

/**
 * MCP-Atlas tasks as rows, in MCP-Atlas's schema (the ScaleAI/MCP-Atlas dataset card, run_eval.py, score_claims.py
 * and convert_tasks_to_harbor.py): `TASK` (id), `PROMPT`, `ENABLED_TOOLS` (names such as "filesystem_read_text_file",
 * i.e. `<server>_<tool>`, or {"name": …} objects, as JSON or comma-separated), `GTFA_CLAIMS` (the claims), `GTFA`
 * (the ground-truth final answer) and `TRAJECTORY` (the reference tool calls). The converter's lower-case names
 * are accepted too (`task_id`, `prompt`, `enabled_tools`, `rubrics`, `system_prompt`, `metadata`).
 * Switchyard's extensions, ignored by MCP-Atlas's tools: a claim may be an object with an exact `match`
 * (claims.ts), `RELEVANT_TOOLS` lists the tools a solution needs (default: the trajectory's tools), and
 * `TOOL_BUDGET` / `PASS_THRESHOLD` override the suite's. Files: .jsonl (one object a line), .json (an array) or .csv.
 */
export interface ReferenceCall {
  /** MCP-Atlas tool name (`<server>_<tool>`). */
  tool: string;
  arguments: Record<string, unknown>;
}

export interface AtlasTaskSpec {
  id: string;
  prompt: string;
  systemPrompt?: string;
  /** MCP-Atlas tool names, as listed (order kept, duplicates dropped). */
  enabledTools: string[];
  claims: Claim[];
  referenceAnswer?: string;
  trajectory: ReferenceCall[];
  relevantTools: string[];
  metadata: Record<string, unknown>;
  toolBudget?: number;
  passThreshold?: number;
}

export interface RowFailure {
  name: string;
  error: ConfigError;
}

type Row = Record<string, unknown>;

const FIELDS = {
  id: ["TASK", "task_id", "id"],
  prompt: ["PROMPT", "prompt"],
  enabled: ["ENABLED_TOOLS", "enabled_tools"],
  claims: ["GTFA_CLAIMS", "claims", "rubrics"],
  answer: ["GTFA", "gtfa", "reference_answer"],
  trajectory: ["TRAJECTORY", "trajectory"],
  relevant: ["RELEVANT_TOOLS", "relevant_tools"],
  system: ["SYSTEM_PROMPT", "system_prompt"],
  metadata: ["METADATA", "metadata"],
  budget: ["TOOL_BUDGET", "tool_budget"],
  threshold: ["PASS_THRESHOLD", "pass_threshold"],
} as const;

function field(row: Row, names: readonly string[]): { key: string; value: unknown } | undefined {
  for (const k of names) {
    const v = row[k];
    if (v !== undefined && v !== null && !(typeof v === "string" && v.trim() === "")) return { key: k, value: v };
  }
  return undefined;
}

/** A JSON (or Python-literal) encoded cell, as CSV stores lists; other values pass through. */
function decoded(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const s = value.trim();
  if (!/^[[{]/.test(s)) return value;
  try {
    return JSON.parse(s);
  } catch {
    try {
      return parsePyLiteral(s);
    } catch {
      return value;
    }
  }
}

/** ENABLED_TOOLS: names, {name} objects, a JSON list of either, or a comma-separated string (run_eval.py). */
export function enabledToolNames(value: unknown): string[] {
  const v = decoded(value);
  const items = Array.isArray(v) ? v : typeof v === "string" ? v.split(",") : [];
  const out: string[] = [];
  for (const t of items) {
    const name = typeof t === "string" ? t.trim() : t && typeof t === "object" ? (t as Row).name : undefined;
    if (typeof name === "string" && name && !out.includes(name)) out.push(name);
  }
  return out;
}

function argsOf(v: unknown): Record<string, unknown> {
  const d = decoded(v);
  return d && typeof d === "object" && !Array.isArray(d) ? (d as Record<string, unknown>) : {};
}

/**
 * TRAJECTORY: a list of tool calls, or MCP-Atlas's list of chat messages (see below). For plain calls the common
 * spellings are read: the name from tool / tool_name / name / function.name, the arguments
 * from arguments / args / parameters / input / tool_args (an object or JSON text). Other fields are ignored.
 */
export function referenceCalls(value: unknown): ReferenceCall[] {
  const v = decoded(value);
  if (!Array.isArray(v)) throw new Error("expected a list of tool calls");
  // MCP-Atlas's own rows (sample_tasks.csv) hold the reference conversation as chat messages: the calls are the
  // assistant messages' tool_calls ({function: {name, arguments: JSON text}}); tool and text messages carry none.
  if (v.some((m) => m && typeof m === "object" && "role" in m)) {
    const calls = v.flatMap((m) => {
      const r = m as Row;
      return r.role === "assistant" && Array.isArray(r.tool_calls) ? (r.tool_calls as unknown[]) : [];
    });
    return referenceCalls(calls);
  }
  return v.map((c, i) => {
    if (!c || typeof c !== "object") throw new Error(`[${i}]: expected an object with the tool's name`);
    const r = c as Row;
    const fn = r.function && typeof r.function === "object" ? (r.function as Row) : undefined;
    const tool = [r.tool, r.tool_name, r.name, fn?.name].find((x): x is string => typeof x === "string" && x !== "");
    if (!tool) throw new Error(`[${i}]: no tool name (tool, tool_name, name or function.name)`);
    const args = [r.arguments, r.args, r.parameters, r.input, r.tool_args, fn?.arguments].find((x) => x !== undefined);
    return { tool, arguments: argsOf(args) };
  });
}

function positive(v: unknown, what: string, max = Number.POSITIVE_INFINITY): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === "number" ? v : Number(v);
  if (!(n > 0) || n > max) throw new Error(`${what}: expected a number in (0, ${max}]`);
  return n;
}

/** One row → a task spec. Throws Error naming the field; the caller adds file and row. */
export function taskSpecOf(row: Row): AtlasTaskSpec {
  const id = field(row, FIELDS.id);
  if (!id) throw new Error("TASK: missing (the task's id)");
  const taskId = String(id.value).trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(taskId)) {
    throw new Error(`${id.key}: "${taskId}" is not usable as a folder name (letters, digits, ".", "_", "-")`);
  }
  const prompt = field(row, FIELDS.prompt);
  if (!prompt || typeof prompt.value !== "string") throw new Error("PROMPT: missing (the request given to the agent)");
  const enabled = field(row, FIELDS.enabled);
  const enabledTools = enabled ? enabledToolNames(enabled.value) : [];
  if (enabledTools.length === 0) throw new Error("ENABLED_TOOLS: missing or empty (the tools the agent may see)");
  const claimsField = field(row, FIELDS.claims);
  if (!claimsField) throw new Error("GTFA_CLAIMS: missing (the claims a complete answer states)");
  let claims: Claim[];
  try {
    claims = parseClaims(claimsField.value);
  } catch (err) {
    throw new Error(`${claimsField.key}${(err as Error).message.startsWith("[") ? "" : ": "}${(err as Error).message}`);
  }
  if (claims.length === 0) throw new Error(`${claimsField.key}: no claims (each must be longer than 3 characters)`);
  claims.forEach((c, i) => {
    if (!c.match) return;
    try {
      validateMatch(c.match);
    } catch (err) {
      throw new Error(`${claimsField.key}[${i}].match: ${(err as Error).message}`);
    }
  });
  const traj = field(row, FIELDS.trajectory);
  let trajectory: ReferenceCall[] = [];
  if (traj) {
    try {
      trajectory = referenceCalls(traj.value);
    } catch (err) {
      throw new Error(`${traj.key}${(err as Error).message.startsWith("[") ? "" : ": "}${(err as Error).message}`);
    }
  }
  const relevant = field(row, FIELDS.relevant);
  const relevantTools = relevant ? enabledToolNames(relevant.value) : [...new Set(trajectory.map((c) => c.tool))];
  for (const t of [...relevantTools, ...trajectory.map((c) => c.tool)]) {
    if (!enabledTools.includes(t)) {
      throw new Error(
        `${relevant && relevantTools.includes(t) ? relevant.key : "TRAJECTORY"}: tool "${t}" is not in ENABLED_TOOLS`,
      );
    }
  }
  const answer = field(row, FIELDS.answer);
  const system = field(row, FIELDS.system);
  const meta = decoded(field(row, FIELDS.metadata)?.value);
  const budget = positive(field(row, FIELDS.budget)?.value, "TOOL_BUDGET");
  const threshold = positive(field(row, FIELDS.threshold)?.value, "PASS_THRESHOLD", 1);
  return {
    id: taskId,
    prompt: prompt.value,
    ...(system && typeof system.value === "string" ? { systemPrompt: system.value } : {}),
    enabledTools,
    claims,
    ...(answer && typeof answer.value === "string" ? { referenceAnswer: answer.value } : {}),
    trajectory,
    relevantTools,
    metadata: meta && typeof meta === "object" && !Array.isArray(meta) ? (meta as Record<string, unknown>) : {},
    ...(budget === undefined ? {} : { toolBudget: Math.floor(budget) }),
    ...(threshold === undefined ? {} : { passThreshold: threshold }),
  };
}

/** Raw rows of a .jsonl / .json / .csv file; a file that cannot be read or parsed is a ConfigError. */
export function readRows(file: string): Row[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(`${file}: cannot read: ${(err as Error).message}`, { file });
  }
  const bad = (msg: string, hint: string) => new ConfigError(`${file}: ${msg}`, { file, hint });
  if (file.endsWith(".csv")) {
    try {
      return parseCsv(text, { columns: true, skip_empty_lines: true, bom: true }) as Row[];
    } catch (err) {
      throw bad(
        `not valid CSV: ${(err as Error).message}`,
        "write a header line (TASK,PROMPT,ENABLED_TOOLS,GTFA_CLAIMS)",
      );
    }
  }
  if (file.endsWith(".json")) {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (err) {
      throw bad(`not valid JSON: ${(err as Error).message}`, "write an array of task objects");
    }
    if (!Array.isArray(v)) throw bad("expected an array of task objects", "wrap the tasks in [ … ]");
    return v as Row[];
  }
  return text.split("\n").flatMap((line, i) => {
    if (!line.trim()) return [];
    try {
      const v = JSON.parse(line) as unknown;
      if (!v || typeof v !== "object" || Array.isArray(v)) throw new Error("not an object");
      return [v as Row];
    } catch (err) {
      throw bad(`line ${i + 1}: not a JSON object: ${(err as Error).message}`, "write one task object per line");
    }
  });
}

/** Every row of `file` as a task spec, or as a failure naming the file, the row, the field and the fix. */
export function loadTaskRows(file: string): { specs: AtlasTaskSpec[]; failures: RowFailure[] } {
  const specs: AtlasTaskSpec[] = [];
  const failures: RowFailure[] = [];
  const seen = new Set<string>();
  readRows(file).forEach((row, i) => {
    const where = `${file}: row ${i + 1}`;
    const rawId = field(row, FIELDS.id)?.value;
    const name = typeof rawId === "string" && /^[A-Za-z0-9._-]+$/.test(rawId) ? rawId : `row-${i + 1}`;
    try {
      const spec = taskSpecOf(row);
      if (seen.has(spec.id)) throw new Error(`TASK: "${spec.id}" appears twice; task ids must be unique`);
      seen.add(spec.id);
      specs.push(spec);
    } catch (err) {
      const message = (err as Error).message;
      const fieldName = message.split(/[:[. ]/)[0];
      failures.push({
        name,
        error: new ConfigError(`${where}: ${message}`, {
          file,
          ...(fieldName ? { field: fieldName } : {}),
          hint: "see docs/mcp-atlas.md for the row format (TASK, PROMPT, ENABLED_TOOLS, GTFA_CLAIMS, …)",
        }),
      });
    }
  });
  return { specs, failures };
}
