import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { PASS_IF, writeTask } from "../bench/task-fixtures.ts";
import { bash, cli, mock, mockConfigToml, mockEnv, tempDir } from "./helpers.ts";

/**
 * The run-side guarantees hold inside `switchyard bench` too, where the Switchyard agent runs one trial per task:
 * one redactor for every byte the job writes or prints, and a per-trial `--budget-usd` that is as hard as run's.
 */

/** Every file under `dir`, by path relative to it. */
function filesUnder(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(p).isDirectory()) walk(p, r);
      else out[r] = readFileSync(p, "utf8");
    }
  };
  walk(dir, "");
  return out;
}

const PRICED = (input: number, output: number) =>
  `\n[[models.local]]\nid = "coder"\nprice = { input = ${input}, cached_input = ${input}, output = ${output} }\n`;

describe("faults: bench trials keep the run's guarantees", () => {
  const tmp = tempDir("sy-faults-bench-");
  after(() => tmp.cleanup());

  async function benchWithMock(
    name: string,
    script: Record<string, unknown>,
    args: string[],
    opts: { extraToml?: string; env?: NodeJS.ProcessEnv } = {},
  ) {
    const root = join(tmp.dir, name);
    writeTask(root, "t", {
      dockerfile: "FROM debian:bookworm\nWORKDIR /app\n",
      solve: "#!/bin/bash\ntrue\n",
      test: PASS_IF("[ -f /app/answer.txt ]"),
    });
    const server = await mock(script);
    const config = join(root, "switchyard.toml");
    writeFileSync(config, `${mockConfigToml(server.url)}${opts.extraToml ?? ""}\n`);
    const jobs = join(root, "jobs");
    const env = { ...mockEnv(server.url), SWITCHYARD_RESULTS_DB: join(root, "results.sqlite"), ...opts.env };
    try {
      const r = await cli(
        ["bench", join(root, "t"), "--agent", "local/coder", "--config", config, "--out", jobs, "--job-name", "j"]
          .concat(args)
          .concat(["--json"]),
        env,
        { timeoutMs: 240_000 },
      );
      return { r, job: join(jobs, "j"), trial: JSON.parse(r.stdout.trim().split("\n")[0] ?? "{}") };
    } finally {
      await server.close();
    }
  }

  it("a secret the model prints and repeats reaches no file of the bench job and neither stdout nor stderr", async () => {
    // A value with no key shape: only the variable's name (credential-named) makes it a secret.
    const SECRET = "plain-looking-deploy-value-4711";
    const { r, job, trial } = await benchWithMock(
      "secret",
      { turns: [bash(`echo ok > answer.txt; echo ${SECRET}`), { text: `Done; the key is ${SECRET}.` }] },
      [],
      { env: { DEPLOY_API_KEY: SECRET } },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(trial.agent_result?.end_state, "done", r.stdout);
    const files = filesUnder(job);
    assert.ok(
      Object.keys(files).some((f) => f.endsWith("result.json")),
      `the job wrote its trial: ${Object.keys(files).join(", ")}`,
    );
    const redacted = Object.keys(files).filter((f) => files[f]?.includes("[REDACTED:DEPLOY_API_KEY]"));
    assert.ok(redacted.length > 0, "the secret went through the job's files (redacted there)");
    for (const [name, text] of Object.entries({ stdout: r.stdout, stderr: r.stderr, ...files })) {
      const at = text.indexOf(SECRET);
      assert.ok(at === -1, `the secret reached ${name}: …${text.slice(Math.max(0, at - 120), at + 40)}…`);
    }
  });

  it("--budget-usd per trial is hard: a run of large answers stops at the edge and never passes it", async () => {
    // Each answer: 3,000 output tokens at $10/M = $0.03; a $0.20 budget fits six and a bit.
    const turns = Array.from({ length: 20 }, (_, i) => bash(`echo ${i}`, { usage: { input: 500, output: 3000 } }));
    const { r, trial } = await benchWithMock("budget", { turns }, ["--budget-usd", "0.2"], {
      extraToml: PRICED(1, 10),
    });
    assert.equal(r.code, 0, r.stderr);
    const agent = trial.agent_result;
    assert.equal(agent?.end_state, "budget_exhausted", r.stdout);
    assert.ok(typeof agent.cost_usd === "number" && agent.cost_usd <= 0.2, `spent $${agent.cost_usd}`);
    assert.ok(agent.cost_usd > 0.15, `the budget was used up to its edge ($${agent.cost_usd})`);
    assert.ok(agent.steps >= 5, `${agent.steps} steps`);
  });
});
