import { buildHeadline } from "../bench/headline.ts";
import { isModelAgentName } from "./agents.ts";
import { conversationHtml, parseTranscript } from "./conversation.ts";
import type { JobEntry, ViewSources, ViewTrial } from "./data.ts";
import { loadTrials, readText, trialFile } from "./data.ts";
import { diffHtml, esc, page, pct, qs, table, usd } from "./html.ts";
import { mcpJobHtml, mcpTrialHtml } from "./mcp.ts";
import type { StoreSnapshot } from "./store-tables.ts";

/** The viewer's pages, rendered on the server from the job folders and the store (src/view/data.ts). */

export interface TrialFilter {
  task?: string;
  category?: string;
  model?: string;
  outcome?: string;
}

export function jobsPage(jobs: Array<{ job: JobEntry; trials?: ViewTrial[]; error?: string }>): string {
  const rows = jobs.map(({ job, trials, error }) => {
    const link = `<a class="job" href="/jobs/${encodeURIComponent(job.id)}">${esc(job.id)}</a>`;
    if (!trials) return [link, `<span class="error">${esc(error ?? "unreadable")}</span>`, "", "", "", ""];
    const scored = trials.filter((t) => t.outcome !== "error");
    const passed = scored.filter((t) => t.outcome === "passed").length;
    const groups = [...new Set(trials.map((t) => t.group))];
    return [
      link,
      esc(groups.join(", ")),
      String(trials.length),
      `${passed}/${scored.length} (${pct(passed, scored.length)})`,
      String(trials.length - scored.length),
      usd(sumCost(trials)),
    ];
  });
  return page(
    "jobs",
    `<h1>Jobs</h1><p class="sort">sorted by time, newest first</p>${table(
      ["job", "agents", "trials", "passed", "errors", "cost"],
      rows,
      { cls: "jobs", numeric: [2, 4, 5] },
    )}`,
  );
}

export function jobPage(job: JobEntry, filter: TrialFilter): string {
  const { trials, incomplete } = loadTrials(job);
  const headline = buildHeadline(
    trials.map((t) => ({
      group: t.group,
      task: t.result.task_name,
      passed: t.outcome === "passed",
      scored: t.outcome !== "error",
      costUsd: isModelAgentName(t.result.agent) ? (t.result.agent_result?.cost_usd ?? null) : null,
    })),
  );
  const shown = applyFilter(trials, filter);
  const base = `/jobs/${encodeURIComponent(job.id)}`;
  const body = [
    `<h1>Job ${esc(job.id)}</h1>`,
    `<p class="note job-source">read from ${esc(job.dir)}; rates count scored trials only (errors are unscored)</p>`,
    `<div class="headline">${mdBold(headline.text)}</div>`,
    incomplete.length ? `<p class="note">${incomplete.length} trial(s) have no complete result yet.</p>` : "",
    `<h2>Task × agent: trials passed</h2>`,
    matrix(trials, base),
    `<h2>Trials</h2>`,
    filters(trials, filter, base),
    `<p class="sort">${shown.length} of ${trials.length} trials · sorted by task, then agent, then attempt</p>`,
    trialTable(shown, base, job),
    mcpJobHtml(trials.map((t) => t.result)),
  ];
  return page(`job ${job.id}`, body.join("\n"));
}

function applyFilter(trials: readonly ViewTrial[], f: TrialFilter): ViewTrial[] {
  return trials
    .filter(
      (t) =>
        (!f.task || t.result.task_name === f.task) &&
        (!f.category || (t.result.category ?? "uncategorized") === f.category) &&
        (!f.model || t.group === f.model) &&
        (!f.outcome || t.outcome === f.outcome),
    )
    .sort(
      (a, b) =>
        a.result.task_name.localeCompare(b.result.task_name) ||
        a.group.localeCompare(b.group) ||
        a.result.trial_name.localeCompare(b.result.trial_name),
    );
}

function matrix(trials: readonly ViewTrial[], base: string): string {
  const tasks = [...new Set(trials.map((t) => t.result.task_name))].sort();
  const groups = [...new Set(trials.map((t) => t.group))].sort();
  const rows = tasks.map((task) => [
    esc(task),
    ...groups.map((g) => {
      const ts = trials.filter((t) => t.result.task_name === task && t.group === g);
      if (!ts.length) return "";
      const passed = ts.filter((t) => t.outcome === "passed").length;
      const errors = ts.filter((t) => t.outcome === "error").length;
      const scored = ts.length - errors;
      const shade = scored ? Math.round((passed / scored) * 100) : 0;
      const bg = scored ? `hsl(${Math.round((shade / 100) * 120)},60%,88%)` : "#f3e6c8";
      return `<a class="cell" data-task="${esc(task)}" data-model="${esc(g)}" style="background:${bg}" href="${base}${qs({ task, model: g })}">${passed}/${scored}${errors ? ` +${errors} err` : ""}</a>`;
    }),
  ]);
  return `${table(["task", ...groups.map(esc)], rows, { cls: "matrix" })}<p class="sort">rows by task name, columns by agent name; a cell is passed/scored trials (errors apart); click for its trials</p>`;
}

function filters(trials: readonly ViewTrial[], f: TrialFilter, base: string): string {
  const opt = (name: keyof TrialFilter, values: string[]) =>
    `<label>${name}<select name="${name}"><option value="">all</option>${[...new Set(values)]
      .sort()
      .map((v) => `<option${f[name] === v ? " selected" : ""}>${esc(v)}</option>`)
      .join("")}</select></label>`;
  return `<form class="filters" method="get" action="${base}">${opt(
    "task",
    trials.map((t) => t.result.task_name),
  )}${opt(
    "category",
    trials.map((t) => t.result.category ?? "uncategorized"),
  )}${opt(
    "model",
    trials.map((t) => t.group),
  )}${opt("outcome", ["passed", "failed", "error"])}<button type="submit">filter</button> <a href="${base}">clear</a></form>`;
}

function trialTable(trials: readonly ViewTrial[], base: string, job: JobEntry): string {
  const rows = trials.map((t) => {
    const r = t.result;
    const name = encodeURIComponent(r.trial_name);
    const files = [
      ["transcript", "transcript.jsonl"],
      ["verifier", "verifier/test-stdout.txt"],
      ["diff", "agent/diff.patch"],
    ]
      .filter(([, rel]) => trialFile(job, r.trial_name, rel ?? "") !== undefined)
      .map(([label, rel]) => `<a href="${base}/trials/${name}/files/${rel}">${label}</a>`)
      .join(" · ");
    const outcome = r.exception_info ? `error: ${esc(r.exception_info.exception_type)}` : t.outcome;
    return [
      `<a class="trial" href="${base}/trials/${name}">${esc(r.trial_name)}</a>`,
      esc(r.task_name),
      esc(r.category ?? "uncategorized"),
      esc(t.group),
      `<span class="${t.outcome}">${outcome}</span>`,
      esc(r.reward ?? "–"),
      usd(r.agent_result?.cost_usd ?? null),
      seconds(r.started_at, r.finished_at),
      files,
    ];
  });
  return table(["trial", "task", "category", "agent", "outcome", "reward", "cost", "time", "files"], rows, {
    cls: "trials",
    numeric: [5, 6, 7],
  });
}

export function trialPage(job: JobEntry, trialName: string): string | undefined {
  const { trials } = loadTrials(job);
  const t = trials.find((x) => x.result.trial_name === trialName);
  if (!t) return undefined;
  const r = t.result;
  const transcript = readText(trialFile(job, trialName, "transcript.jsonl")) ?? "";
  const { events, skipped } = parseTranscript(transcript);
  const lifecycle = readText(trialFile(job, trialName, "trial.jsonl"));
  const oracle = readText(trialFile(job, trialName, "agent/oracle.txt"));
  const verifier = readText(trialFile(job, trialName, "verifier/test-stdout.txt"));
  const diff = readText(trialFile(job, trialName, "agent/diff.patch"));
  const base = `/jobs/${encodeURIComponent(job.id)}`;
  const facts = [
    ["task", esc(r.task_name)],
    ["agent", esc(t.group)],
    ["outcome", `<span class="${t.outcome}">${t.outcome}</span>`],
    ["reward", esc(r.reward ?? "none")],
    ["cost", usd(r.agent_result?.cost_usd ?? null)],
    ["time", seconds(r.started_at, r.finished_at)],
  ];
  const body = [
    `<p><a href="${base}">← job ${esc(job.id)}</a></p>`,
    `<h1>${esc(r.trial_name)}</h1>`,
    table(
      facts.map(([k]) => k ?? ""),
      [facts.map(([, v]) => v ?? "")],
      { cls: "facts" },
    ),
    r.exception_info
      ? `<div class="msg note"><div class="meta">${esc(r.exception_info.exception_type)} (unscored: an infrastructure error, not a reward of 0)</div><pre>${esc(r.exception_info.exception_message)}</pre></div>`
      : "",
    r.fidelity?.notes?.length
      ? `<h2>Environment fidelity${r.fidelity.reduced ? " (reduced)" : ""}</h2><ul>${r.fidelity.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>`
      : "",
    mcpTrialHtml(
      r,
      readText(trialFile(job, trialName, "verifier/claims.json")),
      readText(trialFile(job, trialName, "agent/answer.txt")),
    ),
    `<h2>Conversation</h2>`,
    events.length
      ? `<div class="conversation">${conversationHtml(events)}</div>`
      : `<p class="note">No model conversation (agent ${esc(r.agent)}).</p>${oracle ? `<h3>agent output</h3><pre>${esc(oracle)}</pre>` : ""}`,
    skipped ? `<p class="note">${skipped} transcript line(s) could not be read.</p>` : "",
    `<h2>Diff</h2>`,
    diff ? diffHtml(diff) : `<p class="note">No diff recorded for this trial.</p>`,
    `<h2>Verifier output</h2>`,
    verifier ? `<pre class="verifier">${esc(verifier)}</pre>` : `<p class="note">No verifier output.</p>`,
    lifecycle ? `<h2>Trial lifecycle</h2><pre>${esc(lifecycle)}</pre>` : "",
  ];
  return page(r.trial_name, body.join("\n"));
}

/** Models and harnesses across jobs: per agent, and per task × agent over every job. */
export function comparePage(
  sources: ViewSources,
  all: Array<{ job: JobEntry; trials: ViewTrial[] }>,
  f: TrialFilter,
): string {
  const trials = all.flatMap((j) => j.trials.map((t) => ({ ...t, job: j.job.id })));
  const shown = trials.filter(
    (t) => (!f.category || (t.result.category ?? "uncategorized") === f.category) && (!f.model || t.group === f.model),
  );
  const groups = [...new Set(shown.map((t) => t.group))];
  const rows = groups
    .map((g) => {
      const ts = shown.filter((t) => t.group === g);
      const scored = ts.filter((t) => t.outcome !== "error");
      const passed = scored.filter((t) => t.outcome === "passed").length;
      const cost = sumCost(ts);
      return { g, ts, scored: scored.length, passed, cost, jobs: new Set(ts.map((t) => t.job)).size };
    })
    .sort((a, b) => b.passed / Math.max(1, b.scored) - a.passed / Math.max(1, a.scored) || a.g.localeCompare(b.g));
  const body = [
    `<h1>Compare agents across jobs</h1>`,
    `<p class="note">${all.length} job(s) under ${esc(sources.paths.join(", "))}</p>`,
    `<form class="filters" method="get" action="/compare"><label>category<select name="category"><option value="">all</option>${[
      ...new Set(trials.map((t) => t.result.category ?? "uncategorized")),
    ]
      .sort()
      .map((c) => `<option${f.category === c ? " selected" : ""}>${esc(c)}</option>`)
      .join("")}</select></label><button type="submit">filter</button></form>`,
    `<p class="sort">sorted by pass rate, highest first</p>`,
    table(
      ["agent", "jobs", "trials", "passed", "pass rate", "cost", "cost per solved task"],
      rows.map((r) => [
        esc(r.g),
        String(r.jobs),
        String(r.ts.length),
        `${r.passed}/${r.scored}`,
        pct(r.passed, r.scored),
        usd(r.cost),
        r.passed ? usd((r.cost ?? 0) / r.passed) : "–",
      ]),
      { cls: "compare", numeric: [1, 2, 4, 5, 6] },
    ),
    `<h2>Task × agent over all jobs</h2>`,
    matrix(shown, "/compare/trials"),
  ];
  return page("compare", body.join("\n"));
}

/** The trials of one task × agent cell of the compare matrix, from every job. */
export function crossTrialsPage(all: Array<{ job: JobEntry; trials: ViewTrial[] }>, f: TrialFilter): string {
  const rows = all.flatMap(({ job, trials }) =>
    applyFilter(trials, f).map((t) => [
      `<a href="/jobs/${encodeURIComponent(job.id)}">${esc(job.id)}</a>`,
      `<a class="trial" href="/jobs/${encodeURIComponent(job.id)}/trials/${encodeURIComponent(t.result.trial_name)}">${esc(t.result.trial_name)}</a>`,
      esc(t.group),
      `<span class="${t.outcome}">${t.outcome}</span>`,
      usd(t.result.agent_result?.cost_usd ?? null),
    ]),
  );
  return page(
    "trials",
    `<h1>Trials${f.task ? ` of ${esc(f.task)}` : ""}${f.model ? ` by ${esc(f.model)}` : ""}</h1><p class="sort">by job, newest first</p>${table(
      ["job", "trial", "agent", "outcome", "cost"],
      rows,
      { cls: "trials", numeric: [4] },
    )}`,
  );
}

/** The store's tables, rows in key order; the same page whichever engine holds the store (store-tables.ts). */
export function storePage(location: string | undefined, store: StoreSnapshot | undefined): string {
  if (!store) {
    return page(
      "results store",
      `<h1>Results store</h1><p class="note">No results store at ${esc(location ?? "(none)")}.</p>`,
    );
  }
  const parts = store.tables.map(
    (t) =>
      `<h2>${esc(t.name)} (${t.rows.length} rows)</h2><p class="sort">sorted by the table's key</p>${table(
        t.columns.map(esc),
        t.rows.map((r) => t.columns.map((c) => esc(r[c] ?? ""))),
        { cls: `store store-${esc(t.name)}` },
      )}`,
  );
  const version = store.schemaVersion === null ? "" : `, schema v${store.schemaVersion}`;
  const none = store.tables.length
    ? ""
    : `<p class="note">The store has no tables yet (no bench recorded into it).</p>`;
  return page(
    "results store",
    `<h1>Results store</h1><p class="note store-source">${esc(store.location)} (${store.engine}${version}; read-only)</p>${none}${parts.join("\n")}`,
  );
}

function sumCost(trials: readonly ViewTrial[]): number | null {
  const costs = trials.map((t) => t.result.agent_result?.cost_usd).filter((c): c is number => typeof c === "number");
  return costs.length ? costs.reduce((a, b) => a + b, 0) : null;
}

function seconds(a: string, b: string): string {
  const ms = Date.parse(b) - Date.parse(a);
  return Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : "–";
}

/** `**x**` → <b>x</b> after escaping (the headline's only markup). */
function mdBold(s: string): string {
  return esc(s).replace(/\*\*(.+?)\*\*/g, "<b>$1</b>");
}
