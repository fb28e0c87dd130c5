import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { parse as parseToml } from "smol-toml";
import { z } from "zod";
import type { McpServerConfig } from "../../core/config.ts";
import { formatIssues } from "../../core/config.ts";
import { ConfigError } from "../../core/errors.ts";
import { parseTaskMcpServers } from "../../tools/mcp-config.ts";
import { parseDockerfile } from "../dockerfile.ts";
import type { BenchTask, TaskLoadFailure } from "../task.ts";
import { TaskConfigSchema } from "../task-config.ts";
import { rowTaskChecksum } from "./checksum.ts";
import { DEFAULT_PASS_THRESHOLD, parseClaims } from "./claims.ts";
import { jsonOrPyAssignment } from "./py-literal.ts";
import { type AtlasTaskSpec, loadTaskRows } from "./rows.ts";
import { ManifestServerSchema } from "./servers.ts";
import { atlasTaskOf, DEFAULT_TOOL_BUDGET, type EnabledTool, type McpAtlasTask } from "./task.ts";

/**
 * Loading MCP-Atlas-style tasks beside Terminal-Bench ones (src/bench/task.ts loadSuite calls in here):
 * - a rows file (`tasks.jsonl`, `.csv`, `.json` in MCP-Atlas's schema, rows.ts), or a folder with `mcp-atlas.toml`
 *   naming its rows files, its servers and defaults. Every row is one task; all share the folder's
 *   `environment/` (its Dockerfile's COPY steps lay out /data, as MCP-Atlas's one image does for its 500 tasks);
 * - a Harbor bundle written by MCP-Atlas's convert_tasks_to_harbor.py: a task folder whose tests/agent_judge.py
 *   holds `CRITERIA = [...]` (the claims) and whose task.toml lists `enabled_tools` on its MCP server.
 */
export const MANIFEST_FILE = "mcp-atlas.toml";
const ROW_FILE = /\.(jsonl|csv|json)$/;

const ManifestSchema = z.strictObject({
  /** Row files, relative to the manifest's folder. */
  tasks: z.array(z.string().min(1)).min(1).default(["tasks.jsonl"]),
  tool_budget: z.number().int().positive().optional(),
  pass_threshold: z.number().gt(0).max(1).optional(),
  agent_timeout_sec: z.number().positive().default(600),
  category: z.string().min(1).default("mcp-tool-use"),
  servers: z.record(z.string(), ManifestServerSchema).default({}),
});
type Manifest = z.infer<typeof ManifestSchema>;

export function isAtlasRowsFile(path: string): boolean {
  return ROW_FILE.test(path);
}

export function isAtlasSuiteDir(dir: string): boolean {
  return existsSync(join(dir, MANIFEST_FILE));
}

/** A task folder written by MCP-Atlas's Harbor converter. */
export function isAtlasHarborBundle(dir: string): boolean {
  const judge = join(dir, "tests", "agent_judge.py");
  return existsSync(judge) && /^CRITERIA\s*=/m.test(readFileSync(judge, "utf8"));
}

function readManifest(file: string): Manifest {
  let data: unknown;
  const text = readFileSync(file, "utf8");
  try {
    data = parseToml(text);
  } catch (err) {
    throw new ConfigError(`${file}: not valid TOML: ${(err as Error).message.split("\n")[0]}`, { file });
  }
  const r = ManifestSchema.safeParse(data);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new ConfigError(formatIssues(file, r.error, text), {
      file,
      ...(first ? { field: first.path.map(String).join(".") } : {}),
      hint: "see docs/mcp-atlas.md for mcp-atlas.toml",
    });
  }
  return r.data;
}

export interface AtlasSuite {
  tasks: BenchTask[];
  failures: TaskLoadFailure[];
}

/** The tasks of a rows file or an mcp-atlas.toml folder. Bad rows become failures; a bad manifest throws. */
export function loadAtlasSuite(path: string, env: NodeJS.ProcessEnv = process.env): AtlasSuite {
  const abs = resolve(path);
  const isFile = isAtlasRowsFile(abs) && !isAtlasSuiteDir(abs);
  const dir = isFile ? dirname(abs) : abs;
  const manifest = isFile ? ManifestSchema.parse({}) : readManifest(join(abs, MANIFEST_FILE));
  const files = isFile ? [abs] : manifest.tasks.map((f) => resolve(abs, f));
  const dockerfile = join(dir, "environment", "Dockerfile");
  const docker = existsSync(dockerfile) ? parseDockerfile(readFileSync(dockerfile, "utf8")) : undefined;
  const source = basename(dir);
  const tasks: BenchTask[] = [];
  const failures: TaskLoadFailure[] = [];
  for (const file of files) {
    if (!existsSync(file)) {
      throw new ConfigError(`${join(abs, MANIFEST_FILE)}: tasks: ${file} does not exist`, {
        file: join(abs, MANIFEST_FILE),
        field: "tasks",
        hint: "list row files (.jsonl, .csv or .json) relative to mcp-atlas.toml",
      });
    }
    const rows = loadTaskRows(file);
    for (const f of rows.failures) failures.push({ name: f.name, dir, error: f.error, source });
    for (const spec of rows.specs) {
      try {
        const atlas = atlasTaskOf(
          spec,
          {
            servers: manifest.servers,
            ...(manifest.tool_budget === undefined ? {} : { toolBudget: manifest.tool_budget }),
            ...(manifest.pass_threshold === undefined ? {} : { passThreshold: manifest.pass_threshold }),
          },
          env,
        );
        tasks.push(benchTaskOf(spec, atlas, { dir, docker, manifest, source, origin: { file, manifest: !isFile } }));
      } catch (err) {
        failures.push({
          name: spec.id,
          dir,
          source,
          error: new ConfigError(`${file}: task ${spec.id}: ${(err as Error).message}`, {
            file,
            hint: "name each enabled tool <server>_<tool> after a server of mcp-atlas.toml or a builtin one",
          }),
        });
      }
    }
  }
  return { tasks, failures };
}

function benchTaskOf(
  spec: AtlasTaskSpec,
  atlas: McpAtlasTask,
  ctx: {
    dir: string;
    docker: BenchTask["docker"];
    manifest: Manifest;
    source: string;
    origin: NonNullable<McpAtlasTask["origin"]>;
  },
): BenchTask {
  const meta = spec.metadata;
  const category = typeof meta.category === "string" ? meta.category : ctx.manifest.category;
  const config = TaskConfigSchema.parse({
    metadata: { ...meta, category, tags: ["mcp", "mcp-atlas"] },
    agent: { timeout_sec: ctx.manifest.agent_timeout_sec },
  });
  const { tasks: _files, ...settings } = ctx.manifest;
  const checksum = rowTaskChecksum({ spec, suite: settings, dir: ctx.dir, servers: atlas.tools.map((t) => t.server) });
  return {
    name: spec.id,
    dir: ctx.dir,
    instruction: spec.prompt,
    config,
    docker: ctx.docker,
    hasSolution: false,
    warnings: [],
    mcpAtlas: { ...atlas, checksum, origin: ctx.origin },
  };
}

/**
 * The MCP-Atlas part of a converted Harbor bundle (the rest loads as any Harbor task): claims from CRITERIA
 * (`title` is the claim), enabled tools from `enabled_tools` of each `[[environment.mcp_servers]]`. The bundle's
 * server is MCP-Atlas's image on a port inside it; it runs only when the user points Switchyard at a running one
 * (`--mcp-url mcp-server=URL`), otherwise its trials are skipped with that fix.
 */
export function atlasBundleOf(task: BenchTask, urls: Record<string, string> = {}): McpAtlasTask {
  const tomlFile = join(task.dir, "task.toml");
  const judgeFile = join(task.dir, "tests", "agent_judge.py");
  let criteria: unknown;
  try {
    // The converter writes CRITERIA with json.dumps (true/false/null); older bundles used repr() (a Python literal).
    criteria = jsonOrPyAssignment(readFileSync(judgeFile, "utf8"), "CRITERIA");
  } catch (err) {
    throw new ConfigError(`${judgeFile}: CRITERIA: ${(err as Error).message}`, {
      file: judgeFile,
      field: "CRITERIA",
      hint: "CRITERIA must be a Python list literal of {'id': …, 'title': …} rubrics",
    });
  }
  const claims = parseClaims(criteria);
  const raw = task.config.environment.mcp_servers;
  const entries = (Array.isArray(raw) ? raw : []) as Array<Record<string, unknown>>;
  const declared = parseTaskMcpServers(raw, tomlFile);
  const tools: EnabledTool[] = [];
  const servers: Record<string, McpServerConfig> = {};
  const missing: string[] = [];
  for (const e of entries) {
    const name = String(e.name);
    const base = declared[name];
    if (!base) continue;
    for (const t of base.allow ?? []) tools.push({ name: t, server: name, tool: t });
    const url = urls[name];
    const { command: _command, ...rest } = base;
    if (url) servers[name] = { ...rest, url, args: [] };
    else if (base.url !== undefined) missing.push(`${name} (${base.url} inside ${imageOf(task)})`);
    else servers[name] = base;
  }
  const metaId = task.config.metadata.task_id;
  const spec: AtlasTaskSpec = {
    id: typeof metaId === "string" ? metaId : task.name,
    prompt: task.instruction,
    enabledTools: tools.map((t) => t.name),
    claims,
    trajectory: [],
    relevantTools: [],
    metadata: task.config.metadata,
  };
  const skip = missing.length
    ? `skipped: MCP-Atlas's server ${missing.join(", ")} is not reachable from here; start the image and pass ` +
      `--mcp-url ${String(entries[0]?.name ?? "mcp-server")}=http://HOST:PORT/mcp`
    : claims.length === 0
      ? `skipped: ${judgeFile} has no criteria`
      : undefined;
  return {
    format: "harbor",
    spec,
    tools,
    servers,
    mounts: [],
    allowedHosts: [],
    ...(skip ? { skip } : {}),
    toolBudget: DEFAULT_TOOL_BUDGET,
    passThreshold: DEFAULT_PASS_THRESHOLD,
  };
}

function imageOf(task: BenchTask): string {
  const image = task.config.metadata.image;
  return typeof image === "string" ? image : (task.docker?.from ?? "the task's image");
}
