import { mcpReportSection } from "./mcp-atlas/report.ts";
import { cellText, chartsHtml, headlineOf, TRIAL_FILES, taskMatrix } from "./report-answer.ts";
import { escapeXml } from "./report-charts.ts";
import { num, pct, usd } from "./report-format.ts";
import { HARNESS_NOTE, harnessTable } from "./report-harness.ts";
import type { BenchStats, GroupStats } from "./stats.ts";
import { groupLabel } from "./stats.ts";
import { isScored, type TrialResult } from "./trial-result.ts";

/** Markdown and self-contained HTML renderings of a job's statistics. Pure: no I/O. */

export interface ReportInput {
  /** The job by name, with Harbor's JobResult times. */
  job: { id: string; started_at?: string | null; finished_at?: string | null };
  trials: readonly TrialResult[];
  stats: BenchStats;
  /** Per trial, the files in its folder the report links to (relative to the trial folder). */
  files?: Record<string, string[]>;
  /** Reasoning tokens per group, from the transcripts. */
  reasoning?: Record<string, number>;
  /** Tasks that could not be loaded and were skipped (--skip-bad-tasks). */
  skipped?: ReadonlyArray<{ name: string; error: string }>;
}

/** Groups in the headline's rank order: pass rate, then cost per solved task. */
function ranked(input: ReportInput): string[] {
  return headlineOf(input.trials).standings.map((s) => s.group);
}

function matrixTable(input: ReportInput): Table {
  const m = taskMatrix(input.trials, ranked(input));
  return {
    head: ["task", ...m.groups],
    rows: m.tasks.map((task) => [task, ...m.groups.map((g) => cellText(m.cell(task, g)))]),
  };
}

const SORT = {
  summary: "Sorted by pass rate, highest first, then by cost per solved task.",
  matrix:
    "Rows by task name; columns by rank (as the summary). A cell is passed/scored trials; errored trials are unscored and shown apart.",
  trials: "Sorted by task, then agent, then attempt.",
};

function ci(g: GroupStats): string {
  return g.reward_ci ? `${pct(g.reward_ci.low)}–${pct(g.reward_ci.high)} (${g.reward_ci.method})` : "–";
}

function passK(g: GroupStats): string {
  const e = Object.entries(g.pass_at_k);
  return e.length === 0 ? "–" : e.map(([k, v]) => `@${k} ${pct(v)}`).join(", ");
}

interface Table {
  head: string[];
  rows: string[][];
}

function summaryTable(stats: BenchStats, order?: readonly string[]): Table {
  const rank = (label: string) => (order?.indexOf(label) ?? -1) >>> 0;
  const groups = order ? [...stats.groups].sort((a, b) => rank(a.label) - rank(b.label)) : stats.groups;
  return {
    head: [
      "agent / model",
      "trials",
      "passed",
      "errors (unscored)",
      "pass rate",
      "95% CI",
      "mean reward",
      "pass@k",
      "cost total",
      "cost / trial",
      "cost / solved",
      "tokens in / cache / out",
      "mean trial s",
      "TTFT ms",
      "out tok/s",
      "tool calls / failed / arg errors per task",
      "MCP tool-def tokens / trial",
      "exceptions",
      "harness",
    ],
    rows: groups.map((g) => [
      g.label,
      String(g.n_trials),
      String(g.n_passed),
      String(g.n_unscored),
      pct(g.pass_rate),
      ci(g),
      num(g.mean_reward, 3),
      passK(g),
      usd(g.cost.total_usd, g.cost.known),
      usd(g.cost.per_trial_usd, g.cost.known),
      usd(g.cost.per_solved_usd, g.cost.known),
      `${g.tokens.input} / ${g.tokens.cache} / ${g.tokens.output}`,
      num(g.time.mean_trial_sec),
      num(g.latency.mean_ttft_ms, 0),
      num(g.latency.mean_output_tokens_per_second),
      `${num(g.tools.calls_per_task)} / ${num(g.tools.failed_per_task)} / ${num(g.tools.argument_errors_per_task)}`,
      num(g.tools.definition_tokens_per_trial, 0),
      g.exceptions.count === 0
        ? "0"
        : `${g.exceptions.count} (${Object.entries(g.exceptions.by_type)
            .map(([k, v]) => `${k} ${v}`)
            .join(", ")})`,
      g.harness ?? g.agent,
    ]),
  };
}

function categoryTable(stats: BenchStats): Table {
  return {
    head: ["category", ...stats.groups.map((g) => g.label)],
    rows: stats.category_names.map((cat) => [
      cat,
      ...stats.groups.map((g) => {
        const c = stats.categories.find((s) => s.label === g.label && s.category === cat);
        return c ? `${c.n_passed}/${c.n_scored} (${pct(c.pass_rate)})` : "–";
      }),
    ]),
  };
}

function trialTable(trials: readonly TrialResult[], files?: Record<string, string[]>): Table {
  const sorted = [...trials].sort(
    (a, b) =>
      a.task_name.localeCompare(b.task_name) || groupLabel(a).localeCompare(groupLabel(b)) || a.attempt - b.attempt,
  );
  return {
    head: [
      "task",
      "category",
      "agent / model",
      "attempt",
      "reward",
      "passed",
      "cost",
      "seconds",
      "tool calls / failed / arg errors",
      "MCP tool-def tokens",
      "exception",
      "fidelity notes",
      "files",
    ],
    rows: sorted.map((t) => {
      const secs = (Date.parse(t.finished_at) - Date.parse(t.started_at)) / 1000;
      const a = t.agent_result;
      return [
        t.task_name,
        t.category ?? "",
        groupLabel(t),
        String(t.attempt),
        isScored(t)
          ? String(t.reward)
          : t.reward === null
            ? "unscored (error)"
            : `unscored (error; verifier gave ${t.reward})`,
        isScored(t) ? (t.passed ? "yes" : "no") : "–",
        t.agent_result ? usd(t.agent_result.cost_usd, t.agent_result.cost_usd !== null) : "–",
        Number.isFinite(secs) ? secs.toFixed(1) : "–",
        a ? `${a.n_tool_calls} / ${a.n_failed_tool_calls} / ${a.n_argument_errors}` : "–",
        a?.tool_definition_tokens === undefined ? "–" : String(a.tool_definition_tokens),
        t.exception_info ? `${t.exception_info.exception_type}: ${t.exception_info.exception_message}` : "",
        t.fidelity?.reduced ? t.fidelity.notes.join("; ") : "",
        (files?.[t.trial_name] ?? []).map((rel) => `${t.trial_name}/${rel}`).join(" "),
      ];
    }),
  };
}

function mdCell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

function mdTable(t: Table): string {
  return [
    `| ${t.head.map(mdCell).join(" | ")} |`,
    `|${t.head.map(() => " --- ").join("|")}|`,
    ...t.rows.map((r) => `| ${r.map(mdCell).join(" | ")} |`),
  ].join("\n");
}

const METHOD_NOTE =
  "Pass rate intervals are 95% Wilson score intervals (Student t on the mean reward when rewards are not all 0/1). " +
  "Rates count scored trials only: a trial that did not really run (environment or agent set-up failed, a provider or agent error, the verifier crashed or wrote no reward) is unscored, listed apart and never counted as 0; an agent timeout is scored with the verifier's reward. (Harbor's JobStats in result.json keep Harbor's convention.) Cost counts every trial. pass@k is the unbiased estimator averaged over tasks, shown " +
  "up to the fewest attempts any task has. Tool calls per task: each task's mean over its trials, averaged over tasks. Cost is unknown when any trial of a model has no price; oracle and nop cost $0.";

function headerFacts(input: ReportInput): string[] {
  const { job, stats } = input;
  const reduced = input.trials.filter((t) => t.fidelity?.reduced).length;
  const limited = input.trials.filter((t) => t.fidelity?.notes.some(isOfflineLimit)).length;
  const unscored = input.trials.filter((t) => !isScored(t)).length;
  const skipped = input.skipped?.length ?? 0;
  return [
    `Job \`${job.id}\` · ${stats.n_trials} trials · started ${job.started_at ?? "?"} · finished ${job.finished_at ?? "not finished"}`,
    ...(unscored > 0
      ? [
          `${unscored} trial(s) did not really run (an infrastructure, provider or agent error): unscored, not reward 0, and left out of every rate (see Errors).`,
        ]
      : []),
    ...(reduced > 0
      ? [
          `${reduced} trial(s) ran with reduced environment fidelity${limited ? `, ${limited} with a reward likely limited by the offline environment` : ""} (see Fidelity notes).`,
        ]
      : []),
    ...(skipped > 0 ? [`${skipped} task(s) could not be loaded and were skipped (see Skipped tasks).`] : []),
  ];
}

/** explainOfflineFailures (offline-explain.ts) writes these notes. */
function isOfflineLimit(note: string): boolean {
  return note.startsWith("reward likely limited by the offline environment");
}

/** Per-trial sections: unscored errors, fidelity notes, skipped tasks (title → lines). */
function trialNotes(input: ReportInput): Array<{ title: string; lines: string[] }> {
  const out: Array<{ title: string; lines: string[] }> = [];
  const errors = input.trials.filter((t) => !isScored(t));
  if (errors.length) {
    out.push({
      title: "Errors (unscored: infrastructure or agent errors, not reward 0)",
      lines: errors.map(
        (t) =>
          `${t.trial_name}: ${t.exception_info?.exception_type ?? "NoReward"}: ${t.exception_info?.exception_message ?? "no reward was read"}`,
      ),
    });
  }
  const noted = input.trials.filter((t) => t.fidelity?.reduced && t.fidelity.notes.length > 0);
  if (noted.length) {
    out.push({
      title: "Fidelity notes",
      lines: noted.flatMap((t) => [
        `${t.trial_name} (reward ${t.reward ?? "unscored"}):`,
        ...t.fidelity.notes.map((n) => `  - ${isOfflineLimit(n) ? `**${n}**` : n}`),
      ]),
    });
  }
  if (input.skipped?.length) {
    out.push({ title: "Skipped tasks", lines: input.skipped.map((s) => `${s.name}: ${s.error}`) });
  }
  return out;
}

export function renderMarkdown(input: ReportInput): string {
  const { stats, trials } = input;
  const trialsMd = trialTable(trials, input.files);
  const links = trialsMd.head.length - 1;
  trialsMd.rows = trialsMd.rows.map((r) =>
    r.map((c, i) => (i === links ? fileLinks(c, (l, href) => `[${l}](${href})`, " · ") : c)),
  );
  return [
    `# Bench report: ${input.job.id}`,
    "",
    headlineOf(trials).text,
    "",
    ...headerFacts(input),
    "",
    "## Summary by agent / model",
    "",
    `_${SORT.summary}_`,
    "",
    mdTable(summaryTable(stats, ranked(input))),
    "",
    `_${METHOD_NOTE}_`,
    "",
    "## Harness × model",
    "",
    mdTable(harnessTable(input.stats, input.trials, ranked(input), input.reasoning ?? {})),
    "",
    `_${HARNESS_NOTE}_`,
    "",
    "## Task × agent: trials passed",
    "",
    `_${SORT.matrix}_`,
    "",
    mdTable(matrixTable(input)),
    "",
    "## Pass rate by category",
    "",
    mdTable(categoryTable(stats)),
    "",
    "## Trials",
    "",
    `_${SORT.trials} Each links to its transcript, verifier output and diff where the trial wrote them._`,
    "",
    mdTable(trialsMd),
    "",
    ...mcpMarkdown(trials),
    ...trialNotes(input).flatMap((sec) => [
      `## ${sec.title}`,
      "",
      ...sec.lines.map((l) => (l.startsWith("  - ") ? l : `- ${l}`)),
      "",
    ]),
  ].join("\n");
}

/** The MCP-Atlas section (src/bench/mcp-atlas/report.ts); nothing when the job has no MCP-Atlas-style trial. */
function mcpMarkdown(trials: readonly TrialResult[]): string[] {
  const sec = mcpReportSection(trials);
  if (!sec) return [];
  return [`## ${sec.title}`, "", `_${sec.note}_`, "", ...sec.tables.flatMap((t) => [mdTable(t), ""])];
}

function mcpHtml(trials: readonly TrialResult[]): string {
  const sec = mcpReportSection(trials);
  if (!sec) return "";
  const tables = sec.tables.map((t, i) => `<div class="scroll">${htmlTable(t, i === 0 ? "mcp" : "mcp-trials")}</div>`);
  return `<h2>${escapeXml(sec.title)}</h2>\n<p class="note">${escapeXml(sec.note)}</p>\n${tables.join("\n")}`;
}

/** "a/transcript.jsonl a/verifier/test-stdout.txt" → links labelled transcript, verifier (relative hrefs). */
function fileLinks(cell: string, link: (label: string, href: string) => string, sep: string): string {
  return cell
    .split(" ")
    .filter(Boolean)
    .map((href) => link(TRIAL_FILES.find((f) => href.endsWith(`/${f.rel}`))?.label ?? href, href))
    .join(sep);
}

function htmlTable(t: Table, cls: string, linkColumn = -1): string {
  const head = t.head.map((h) => `<th>${escapeXml(h)}</th>`).join("");
  const cell = (c: string, i: number) =>
    i === linkColumn
      ? fileLinks(c, (l, href) => `<a href="${escapeXml(encodeURI(href))}">${escapeXml(l)}</a>`, " · ")
      : escapeXml(c);
  const rows = t.rows.map((r) => `<tr>${r.map((c, i) => `<td>${cell(c, i)}</td>`).join("")}</tr>`).join("\n");
  return `<table class="${cls}"><thead><tr>${head}</tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

const CSS = `body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px}h2{font-size:17px;margin-top:32px}
table{border-collapse:collapse;font-size:12px;margin:8px 0}th,td{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f4f4f4}.note,.chart-note{font-size:12px;color:#555}.charts{display:flex;flex-wrap:wrap;gap:24px}
figure{margin:0;width:100%}figcaption{font-size:13px;font-weight:600;margin-bottom:4px}.scroll{overflow-x:auto}
.headline{font-size:15px;background:#f3f8fc;border-left:4px solid #0072B2;padding:8px 12px}.sort{font-size:12px;color:#555;margin:2px 0}
ul.notes{font-size:12px}li.sub{margin-left:20px;list-style:circle}`;

function htmlNotes(sec: { title: string; lines: string[] }): string {
  const items = sec.lines.map((l) => {
    const sub = l.startsWith("  - ");
    const text = escapeXml(sub ? l.slice(4) : l).replace(/\*\*(.+?)\*\*/g, "<strong>$1</strong>");
    return sub ? `<li class="sub">${text}</li>` : `<li>${text}</li>`;
  });
  return `<h2>${escapeXml(sec.title)}</h2>\n<ul class="notes">${items.join("")}</ul>`;
}

export function renderHtml(input: ReportInput): string {
  const { stats, trials } = input;
  const title = `Bench report: ${input.job.id}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${escapeXml(title)}</h1>
<p class="headline">${escapeXml(headlineOf(trials).text).replace(/\*\*(.+?)\*\*/g, "<b>$1</b>")}</p>
${headerFacts(input)
  .map((l) => `<p class="note">${escapeXml(l.replace(/`/g, ""))}</p>`)
  .join("\n")}
<div class="charts">
${chartsHtml(stats, ranked(input), input.reasoning ?? {})}
</div>
<h2>Summary by agent / model</h2>
<p class="sort">${escapeXml(SORT.summary)}</p>
<div class="scroll">${htmlTable(summaryTable(stats, ranked(input)), "summary")}</div>
<p class="note">${escapeXml(METHOD_NOTE)}</p>
<h2>Harness × model</h2>
<div class="scroll">${htmlTable(harnessTable(input.stats, input.trials, ranked(input), input.reasoning ?? {}), "harness")}</div>
<p class="note">${escapeXml(HARNESS_NOTE)}</p>
<h2>Task × agent: trials passed</h2>
<p class="sort">${escapeXml(SORT.matrix)}</p>
<div class="scroll">${htmlTable(matrixTable(input), "matrix")}</div>
<h2>Pass rate by category</h2>
<div class="scroll">${htmlTable(categoryTable(stats), "categories")}</div>
<h2>Trials</h2>
<p class="sort">${escapeXml(SORT.trials)} Each links to its transcript, verifier output and diff where the trial wrote them.</p>
<div class="scroll">${htmlTable(trialTable(trials, input.files), "trials", trialTable(trials).head.length - 1)}</div>
${mcpHtml(trials)}
${trialNotes(input).map(htmlNotes).join("\n")}
</body>
</html>
`;
}
