import {
  chmodSync,
  createWriteStream,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import type { Redactor } from "../../agent/redact.ts";
import type { ModelInfo, ProviderInfo } from "../../core/model.ts";
import { createBwrapSandbox } from "../../sandbox/bwrap.ts";
import { type EgressEvent, startEgressProxy } from "../../sandbox/egress-proxy.ts";
import { type EgressRule, ruleForUrl } from "../../sandbox/egress-rules.ts";
import { egressAttachment, SANDBOX_NODE, SANDBOX_TOOLS_DIR } from "../../sandbox/egress-sandbox.ts";
import type { LocalEnvironment } from "../local-env.ts";
import type { AdapterContext, InstalledAgentAdapter, ParsedRun, TimedLine } from "./adapter.ts";
import type { InstalledCli } from "./install.ts";

/**
 * Runs one installed CLI for one trial: a throwaway HOME with the adapter's config files, a bwrap sandbox in the
 * trial's image root as its agent phase (the task's USER; /logs; never /tests or /solution) plus the cached CLI and the
 * Node binary read-only under /.switchyard, no network but the egress allowlist (the model endpoint's host:port and
 * whatever the user or the task adds), the API key only in the CLI's own process, the trial's timeout enforced by
 * killing the sandbox. The CLI's stdout (its JSON event stream) is kept as /logs/agent/<name>.txt (redacted),
 * stderr as <name>.stderr.txt, every egress decision in the trial folder's egress.jsonl.
 */
export interface InstalledRunArgs {
  adapter: InstalledAgentAdapter;
  cli: InstalledCli;
  model: ModelInfo;
  provider: ProviderInfo;
  baseUrl: string;
  /** The key for `provider.apiKeyEnv` (absent with a subscription sign-in or a keyless endpoint). */
  apiKey?: string;
  instruction: string;
  env: LocalEnvironment;
  trialDir: string;
  scratchDir: string;
  timeoutMs: number;
  /** Hosts beyond the model endpoint (--allow-host, the task's allowed_hosts). */
  extraAllow?: EgressRule[];
  /** A subscription sign-in file on the host (opt-in): mounted read-only, never copied. */
  credentialsFile?: string;
  redact: Redactor;
  memoryMb?: number;
  cpus?: number;
  maxProcesses?: number;
  signal?: AbortSignal;
}

export interface InstalledRunOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  parsed: ParsedRun;
  /** ms from the CLI's start to its first connection through the egress proxy (its start-up). */
  startupMs: number | null;
  durationMs: number;
  egress: EgressEvent[];
  /** The last lines of stderr (else stdout), for error messages. */
  tail: string;
}

const HOME = "/home/agent";
const LOGS = "/logs/agent";
const TAIL_LINES = 12;

export async function runInstalledAgent(a: InstalledRunArgs): Promise<InstalledRunOutcome> {
  const runDir = join(a.scratchDir, "installed-agent");
  const hostHome = join(runDir, "home");
  mkdirSync(hostHome, { recursive: true });
  // The trial's image root, USER and mounts: the agent phase sees what the oracle and the verifier see.
  const image = a.env.sandboxSpec("agent");
  const logsHost = image.mounts.find((m) => m.inside === LOGS)?.host;
  if (!logsHost) throw new Error("the trial environment has no /logs/agent mount");
  const ctx: AdapterContext = {
    model: a.model,
    provider: a.provider,
    baseUrl: a.baseUrl,
    instruction: a.instruction,
    workdir: a.env.workdir,
    home: HOME,
    logsDir: LOGS,
    installDir: a.cli.dir,
    ...(a.credentialsFile ? { credentialsFile: "subscription" } : {}),
  };
  const launch = a.adapter.launch(ctx);
  for (const f of launch.files) {
    const path = join(hostHome, f.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.content, { mode: 0o600 });
  }
  // The throwaway HOME is written by us and used by whichever user the task runs its agent as (the image's root or
  // its USER, mapped through the trial's user namespace): open it to all; it holds no secret (keys are variables,
  // a sign-in file is its own read-only mount) and lives in the trial's private scratch folder.
  openTree(hostHome);

  const egressLog = join(a.trialDir, "egress.jsonl");
  const allow = [ruleForUrl(a.baseUrl), ...(a.extraAllow ?? [])];
  const proxy = await startEgressProxy({ allow, logFile: egressLog });
  const egress = egressAttachment(proxy);
  const cliInside = `${SANDBOX_TOOLS_DIR}/agents/${a.cli.name}`;
  const extraMounts = [
    { host: hostHome, inside: HOME, mode: "rw" as const },
    { host: a.cli.dir, inside: cliInside, mode: "ro" as const },
    ...egress.mounts,
  ];
  if (a.credentialsFile && launch.credentialsPath) {
    extraMounts.push({ host: a.credentialsFile, inside: `${HOME}/${launch.credentialsPath}`, mode: "ro" });
  }
  const basePath = a.env.env.PATH ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  const env: Record<string, string> = {
    ...a.env.env,
    HOME,
    // The mounted Node (>= 24) last: the task's own `node`, if the host has one, still comes first for the agent.
    PATH: `${basePath}:${dirname(SANDBOX_NODE)}`,
    ...egress.env,
    ...launch.env,
    ...(a.apiKey && a.provider.apiKeyEnv ? { [a.provider.apiKeyEnv]: a.apiKey } : {}),
  };
  const sandbox = await createBwrapSandbox({
    mounts: extraMounts,
    image,
    workdir: a.env.workdir,
    network: false,
    env,
    runDir,
    wrapArgv: egress.wrapArgv,
    onWarning: () => {},
    ...(a.memoryMb === undefined ? {} : { memoryMb: a.memoryMb }),
    ...(a.cpus === undefined ? {} : { cpus: a.cpus }),
    ...(a.maxProcesses === undefined ? {} : { maxProcesses: a.maxProcesses }),
  });

  const entry = `${cliInside}/${a.cli.entry}`;
  const argv = a.cli.node ? [SANDBOX_NODE, entry, ...launch.args] : [entry, ...launch.args];
  const name = a.adapter.info.name;
  const rawLog = join(runDir, `${name}.raw.txt`);
  const stderrFile = join(logsHost, `${name}.stderr.txt`);
  const raw = createWriteStream(rawLog);
  const errOut = createWriteStream(stderrFile);
  const lines: TimedLine[] = [];
  let stderrTail = "";
  const started = Date.now();
  let timedOut = false;
  const result = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    const child = sandbox.spawn(argv, { env });
    let buf = "";
    child.stdout?.on("data", (d: Buffer) => {
      raw.write(d);
      buf += d.toString("utf8");
      let i = buf.indexOf("\n");
      while (i >= 0) {
        lines.push({ t: Date.now() - started, line: buf.slice(0, i) });
        buf = buf.slice(i + 1);
        i = buf.indexOf("\n");
      }
    });
    child.stderr?.on("data", (d: Buffer) => {
      errOut.write(a.redact(d.toString("utf8")));
      stderrTail = (stderrTail + d.toString("utf8")).slice(-16 * 1024);
    });
    child.stdin?.on("error", () => {});
    child.stdin?.end(launch.stdin ?? "");
    const stop = () => {
      void sandbox.dispose();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, a.timeoutMs);
    a.signal?.addEventListener("abort", stop, { once: true });
    child.on("error", (err) => {
      stderrTail += `\n${err.message}`;
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      a.signal?.removeEventListener("abort", stop);
      if (buf) lines.push({ t: Date.now() - started, line: buf });
      resolve({ code, signal });
    });
  });
  const durationMs = Date.now() - started;
  await sandbox.dispose().catch(() => {});
  await proxy.close();
  await Promise.all([closeStream(raw), closeStream(errOut)]);

  const parsed = a.adapter.parse(lines, ctx);
  const keep = parsed.keep ?? (() => true);
  writeFileSync(
    join(logsHost, `${name}.txt`),
    lines
      .filter((l) => keep(l.line))
      .map((l) => `${a.redact(l.line)}\n`)
      .join(""),
  );
  const firstRequest = proxy.events.find((e) => e.action === "allowed");
  const startupMs = firstRequest ? Date.parse(firstRequest.ts) - started : null;
  const stdoutTail = lines
    .slice(-TAIL_LINES)
    .map((l) => l.line)
    .join("\n");
  return {
    exitCode: result.code,
    signal: result.signal,
    timedOut,
    parsed,
    startupMs,
    durationMs,
    egress: [...proxy.events],
    tail: a.redact(lastLines(stderrTail.trim() ? stderrTail : stdoutTail, TAIL_LINES)),
  };
}

function lastLines(text: string, n: number): string {
  return text.trim().split("\n").slice(-n).join("\n").slice(-3000);
}

function closeStream(s: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => s.end(() => resolve()));
}

function openTree(path: string): void {
  if (!existsSync(path)) return;
  const walk = (p: string) => {
    const dir = lstatSync(p).isDirectory();
    chmodSync(p, dir ? 0o777 : 0o666);
    if (dir) for (const n of readdirSync(p)) walk(join(p, n));
  };
  walk(path);
}

/** String values of a sign-in file (tokens) for the redactor: they must never appear in anything written. */
export function credentialValues(file: string): string[] {
  try {
    const text = readFileSync(file, "utf8");
    const found = new Set<string>();
    const visit = (v: unknown) => {
      if (typeof v === "string" && v.length >= 12) found.add(v);
      else if (v && typeof v === "object") for (const x of Object.values(v)) visit(x);
    };
    try {
      visit(JSON.parse(text));
    } catch {
      for (const w of text.split(/\s+/)) if (w.length >= 12) found.add(w);
    }
    return [...found];
  } catch {
    return [];
  }
}
