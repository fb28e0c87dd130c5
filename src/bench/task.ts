import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { ConfigError, errorMessage } from "../core/errors.ts";
import { type DockerPlan, parseDockerfile } from "./dockerfile.ts";
import {
  atlasBundleOf,
  isAtlasHarborBundle,
  isAtlasRowsFile,
  isAtlasSuiteDir,
  loadAtlasSuite,
} from "./mcp-atlas/suite.ts";
import type { McpAtlasTask } from "./mcp-atlas/task.ts";
import { parseTaskConfig, type TaskConfig } from "./task-config.ts";

/**
 * A Terminal-Bench 2.0 / Harbor task folder: instruction.md (given to the agent verbatim), task.toml,
 * environment/Dockerfile (+ build context), solution/solve.sh (oracle), tests/test.sh (+ test files).
 * instruction.md, task.toml and tests/test.sh are required; a missing Dockerfile means "no build steps, /app".
 */
export interface BenchTask {
  /** Folder name, used in trial names. */
  name: string;
  /** Absolute path of the task folder. */
  dir: string;
  instruction: string;
  config: TaskConfig;
  /** Dockerfile as a local recipe; undefined when environment/Dockerfile is absent. */
  docker: DockerPlan | undefined;
  hasSolution: boolean;
  warnings: string[];
  /** Harbor's TaskConfig.source: the suite (dataset) folder's name, or null for a task folder given directly. */
  source?: string | null;
  /** An MCP-Atlas-style task (src/bench/mcp-atlas/): scored on its claims instead of tests/test.sh. */
  mcpAtlas?: McpAtlasTask;
}

/** A folder that looked like a task but could not be loaded; it becomes failed trials, not a failed job. */
export interface TaskLoadFailure {
  name: string;
  dir: string;
  error: ConfigError;
  source?: string | null;
}

export function isTaskDir(dir: string): boolean {
  return existsSync(join(dir, "task.toml")) || existsSync(join(dir, "instruction.md"));
}

/**
 * A multi-step task (`[[steps]]` in task.toml, each step's instruction.md, tests/ and solution/ under steps/<name>/,
 * run one after another in the same environment) is a format this version does not run: say so, rather than that
 * the top-level instruction.md or tests/test.sh is missing.
 */
function refuseMultiStep(dir: string): never {
  const file = join(dir, "task.toml");
  throw new ConfigError(
    `${file}: a multi-step task ([[steps]], steps/<name>/instruction.md and tests/test.sh); this version of Switchyard runs single-step tasks only`,
    { file, field: "steps", hint: "run it with a harness that supports multi-step tasks, or pass --skip-bad-tasks" },
  );
}

export function loadTask(dir: string): BenchTask {
  const abs = resolve(dir);
  const name = basename(abs);
  const instructionFile = join(abs, "instruction.md");
  if (existsSync(join(abs, "steps")) && !existsSync(join(abs, "tests", "test.sh"))) refuseMultiStep(abs);
  if (!existsSync(instructionFile)) {
    throw new ConfigError(`${instructionFile}: missing; a task needs instruction.md (the prompt given to the agent)`, {
      file: instructionFile,
      hint: "add instruction.md to the task folder",
    });
  }
  const tomlFile = join(abs, "task.toml");
  if (!existsSync(tomlFile)) {
    throw new ConfigError(`${tomlFile}: missing; a task needs task.toml`, {
      file: tomlFile,
      hint: 'add task.toml (at least `version = "1.0"`)',
    });
  }
  const { config, warnings } = parseTaskConfig(readFileSync(tomlFile, "utf8"), tomlFile);
  const testSh = join(abs, "tests", "test.sh");
  if (!existsSync(testSh)) {
    throw new ConfigError(
      `${testSh}: missing; the verifier runs tests/test.sh, which writes /logs/verifier/reward.txt`,
      {
        file: testSh,
        hint: "add tests/test.sh that writes a number to /logs/verifier/reward.txt",
      },
    );
  }
  const dockerfile = join(abs, "environment", "Dockerfile");
  const docker = existsSync(dockerfile) ? parseDockerfile(readFileSync(dockerfile, "utf8")) : undefined;
  return {
    name,
    dir: abs,
    instruction: readFileSync(instructionFile, "utf8"),
    config,
    docker,
    hasSolution: existsSync(join(abs, "solution", "solve.sh")),
    warnings,
  };
}

export interface Suite {
  tasks: BenchTask[];
  failures: TaskLoadFailure[];
  /** Suite folders given (Harbor's local datasets), absolute. */
  datasets: string[];
  /** Task folders given directly (Harbor's job `tasks`), absolute. */
  taskDirs: string[];
}

export interface SuiteOptions {
  /** MCP server name → URL of a running server, for MCP-Atlas Harbor bundles (`--mcp-url NAME=URL`). */
  mcpUrls?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
}

/**
 * Each argument is a task folder (it has task.toml or instruction.md) or a suite folder whose immediate
 * subfolders are tasks. A path that does not exist, or a suite with no task in it, is bad input (ConfigError);
 * a task that fails to load is returned in `failures` so the rest of the job still runs. MCP-Atlas-style tasks
 * load beside them (src/bench/mcp-atlas/suite.ts): a rows file (.jsonl/.csv/.json), a folder with mcp-atlas.toml
 * (also as a suite's subfolder), and MCP-Atlas's Harbor bundles.
 */
export function loadSuite(dirs: string[], opts: SuiteOptions = {}): Suite {
  const tasks: BenchTask[] = [];
  const failures: TaskLoadFailure[] = [];
  const seen = new Set<string>();
  const taskDirs: Array<{ dir: string; source: string | null }> = [];
  const datasets: string[] = [];
  const atlasSources: string[] = [];
  for (const d of dirs) {
    const abs = resolve(d);
    if (existsSync(abs) && statSync(abs).isFile() && isAtlasRowsFile(abs)) {
      atlasSources.push(abs);
      continue;
    }
    if (existsSync(abs) && statSync(abs).isDirectory() && isAtlasSuiteDir(abs)) {
      atlasSources.push(abs);
      datasets.push(abs);
      continue;
    }
    if (!existsSync(abs) || !statSync(abs).isDirectory()) {
      throw new ConfigError(`${d}: no such task or suite folder`, {
        file: d,
        hint: "pass a task folder or a folder of tasks",
      });
    }
    if (isTaskDir(abs)) {
      taskDirs.push({ dir: abs, source: null });
      continue;
    }
    const dirsIn = readdirSync(abs, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith("."))
      .map((e) => join(abs, e.name))
      .sort();
    const subs = dirsIn.filter(isTaskDir);
    const atlasSubs = dirsIn.filter((s) => !isTaskDir(s) && isAtlasSuiteDir(s));
    atlasSources.push(...atlasSubs);
    if (subs.length === 0 && atlasSubs.length === 0) {
      throw new ConfigError(`${d}: no tasks found (no task.toml here or in its subfolders)`, {
        file: d,
        hint: "pass a Terminal-Bench/Harbor task folder or a folder containing them",
      });
    }
    datasets.push(abs);
    taskDirs.push(...subs.map((dir) => ({ dir, source: basename(abs) })));
  }
  const unique = (name: string, dir: string) => {
    if (seen.has(name)) {
      throw new ConfigError(`${dir}: a task named "${name}" was given twice; trial names must be unique`, {
        file: dir,
        hint: "rename one of the task folders or pass it once",
      });
    }
    seen.add(name);
  };
  for (const src of atlasSources) {
    const atlas = loadAtlasSuite(src, opts.env);
    for (const t of atlas.tasks) unique(t.name, t.dir);
    for (const f of atlas.failures) unique(f.name, f.dir);
    tasks.push(...atlas.tasks.map((t) => ({ ...t, source: t.source ?? basename(t.dir) })));
    failures.push(...atlas.failures);
  }
  for (const { dir, source } of taskDirs) {
    const name = basename(dir);
    unique(name, dir);
    try {
      const task = { ...loadTask(dir), source };
      tasks.push(isAtlasHarborBundle(dir) ? { ...task, mcpAtlas: atlasBundleOf(task, opts.mcpUrls) } : task);
    } catch (err) {
      const error =
        err instanceof ConfigError
          ? err
          : new ConfigError(`${dir}: cannot load task: ${errorMessage(err)}`, { file: dir });
      failures.push({ name, dir, error, source });
    }
  }
  return {
    tasks,
    failures,
    datasets,
    taskDirs: taskDirs.filter((t) => t.source === null).map((t) => t.dir),
  };
}

/**
 * Refuse a job with tasks that cannot be loaded (bad input, exit 2): one ConfigError naming every such task's
 * file (with line and column for TOML syntax errors) and the fix; `--skip-bad-tasks` runs the rest instead.
 */
export function refuseBadTasks(failures: readonly TaskLoadFailure[]): void {
  const first = failures[0];
  if (!first) return;
  const lines = failures.map((f) => `  ${f.error.message}${f.error.hint ? ` (fix: ${f.error.hint})` : ""}`);
  throw new ConfigError(
    `${failures.length === 1 ? "a task" : `${failures.length} tasks`} cannot be loaded:\n${lines.join("\n")}`,
    {
      file: first.error.file ?? first.dir,
      hint: "fix the task files named above, or pass --skip-bad-tasks to run the other tasks",
    },
  );
}
