import {
  chmodSync,
  cpSync,
  existsSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
} from "node:fs";
import { join, posix } from "node:path";
import { createCgroup, type SandboxCgroup } from "../sandbox/cgroup.ts";
import { type EtcOverlay, openEtcOverlay } from "../sandbox/etc-overlay.ts";
import { IMAGE_SYSTEM_DIRS, type ImageSandboxArgs, prepareImageRoot } from "../sandbox/image-root.ts";
import { hostId, type SandboxUserns, sandboxUserns } from "../sandbox/userns.ts";
import { type Mount, type RunResult, runInSandbox } from "./bwrap-run.ts";
import { STAGE_INSIDE } from "./copy-step.ts";
import { BASE_ENV, copyDestination } from "./dockerfile.ts";
import { environmentSettings } from "./environment-settings.ts";
import { buildEnvironment } from "./local-build.ts";
import { PYTHON_STANDIN_DIR } from "./offline-pytest.ts";
import { SHIM_DIR_INSIDE, SHIM_LOG, sharedShimDir } from "./offline-shims.ts";
import { runFolders } from "./run-paths.ts";
import type { BenchTask } from "./task.ts";
import type { EnvironmentInfo, ExecOpts, Fidelity, Phase, TrialEnvironment } from "./trial-environment.ts";

/**
 * The local (default) trial environment: the task's Dockerfile replayed in an image root (src/sandbox/image-root.ts)
 * under bwrap, one per trial, with the host's system folders standing in for the base image (FROM is ignored):
 * - `/` is the trial's own folder (scratchDir/fs): the WORKDIR, /root, /home, /tmp and whatever RUN creates persist
 *   from the build to the agent, oracle and verifier phases, as in one container;
 * - /logs/agent and /logs/verifier → per-trial folders (mode 777, as Harbor makes them), copied to
 *   `<trialDir>/agent` and `<trialDir>/verifier` by `collectLogs()`;
 * - /solution → a root-owned copy of solution/, for the oracle phase only;
 * - /tests → a root-owned copy of tests/, staged by `installTests()` after the agent phase and copied into the root
 *   (an ordinary folder, as Harbor's upload makes it) before the first verifier command.
 * Processes run as the Dockerfile's USER (root when none) or the phase's task.toml `[agent] user` /
 * `[verifier] user`, as Harbor's `docker compose exec -u` does; every phase runs in the trial's cgroup with the
 * task's cpus and memory (Harbor's defaults when unset).
 */

/** The local environment also exposes its sandbox spec (used to build the Switchyard agent's sandbox). */
export interface LocalEnvironment extends TrialEnvironment {
  readonly kind: "local";
  /** The image root, mounts and user of a phase, for a long-lived sandbox (src/sandbox/bwrap.ts `image`). */
  sandboxSpec(phase: Phase): Omit<ImageSandboxArgs, "command" | "network" | "cwd" | "env">;
}

export function isLocalEnvironment(env: TrialEnvironment): env is LocalEnvironment {
  return env.kind === "local";
}

export interface LocalEnvironmentOptions {
  task: BenchTask;
  trialDir: string;
  scratchDir: string;
}

/**
 * The first component of `path` that the host's read-only system folders do not have: that folder (and what is
 * below it) is carved out writable in the image root (WORKDIR /opt/app, RUN python3 -m venv /opt/venv). Undefined for paths outside the system
 * folders, or entirely present on the host (those stay read-only).
 */
function carvePoint(path: string): string | undefined {
  if (!IMAGE_SYSTEM_DIRS.some((d) => path === d || path.startsWith(`${d}/`))) return undefined;
  let cur = "";
  for (const part of path.split("/").filter(Boolean)) {
    cur += `/${part}`;
    if (!existsSync(cur)) return cur;
    if (!lstatSync(cur).isDirectory()) return undefined;
  }
  return undefined;
}

export function createLocalEnvironment(opts: LocalEnvironmentOptions): LocalEnvironment {
  const { task, trialDir, scratchDir } = opts;
  const docker = task.docker;
  const settings = environmentSettings(task);
  const workdir = settings.workdir;
  const env: Record<string, string> = {
    ...BASE_ENV,
    LANG: "C.UTF-8",
    TERM: "xterm",
    ...(docker?.env ?? {}),
    ...settings.env,
  };
  const fidelity: Fidelity = { reduced: settings.notes.length > 0, notes: [...settings.notes] };
  const skippedSteps: string[] = [];
  const fsRoot = join(scratchDir, "fs");
  const agentLogs = join(scratchDir, "logs", "agent");
  const verifierLogs = join(scratchDir, "logs", "verifier");
  const imageUser = docker?.user ?? "";
  const phaseUser = (phase: Phase): string => {
    const set = phase === "verifier" ? task.config.verifier.user : task.config.agent.user;
    if (phase === "setup") return "0";
    return set === undefined ? imageUser || "0" : String(set);
  };
  const nested = new Set<string>();
  for (const p of [workdir, ...(docker?.steps ?? []).flatMap((s) => destinations(s))]) {
    const c = carvePoint(p);
    if (c) nested.add(c);
  }
  const readOnly = (path: string) =>
    IMAGE_SYSTEM_DIRS.some((d) => path === d || path.startsWith(`${d}/`)) &&
    ![...nested].some((n) => path === n || path.startsWith(`${n}/`));
  let userns: SandboxUserns | undefined;
  let cgroup: SandboxCgroup | undefined;
  let etc: EtcOverlay | undefined;
  let limitsBy: EnvironmentInfo["limits"]["applied_by"] = "none";
  const reduce = (note: string) => {
    fidelity.reduced = true;
    fidelity.notes.push(note);
  };

  const spec = (phase: Phase) => {
    const ms: Mount[] = [
      { host: agentLogs, inside: "/logs/agent", mode: "rw" },
      { host: verifierLogs, inside: "/logs/verifier", mode: "rw" },
    ];
    if (phase === "oracle") ms.push({ host: join(scratchDir, "solution"), inside: "/solution", mode: "ro" });
    if (phase === "verifier") ms.push({ host: sharedShimDir(), inside: SHIM_DIR_INSIDE, mode: "ro" });
    return { root: fsRoot, mounts: ms, nested: [...nested], user: phaseUser(phase), userns, etc };
  };

  const run = (
    phase: Phase,
    argv: string[],
    o: ExecOpts & { user?: string; extraMounts?: Mount[]; env?: Record<string, string> },
  ): Promise<RunResult> => {
    const s = spec(phase);
    return runInSandbox({
      ...s,
      mounts: [...s.mounts, ...(o.extraMounts ?? [])],
      user: o.user ?? s.user,
      cwd: o.cwd ?? workdir,
      env: o.env ?? env,
      shell: argv.slice(0, -1),
      command: argv.at(-1) ?? "",
      ...(cgroup ? { cgroupProcs: cgroup.procsFiles } : {}),
      ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }),
      ...(o.outputFile === undefined ? {} : { outputFile: o.outputFile }),
      ...(o.signal === undefined ? {} : { signal: o.signal }),
    });
  };

  /**
   * Harbor uploads tests/ into the container (`/tests`, root's, an ordinary folder that test.sh may move, delete or
   * write into): copied in as root inside the sandbox, from a read-only staging mount, before the first verifier
   * command — never written by the host through a path the agent could have turned into a link.
   */
  let testsPlaced = false;
  const placeTests = async () => {
    if (testsPlaced || !existsSync(join(scratchDir, "tests"))) return;
    testsPlaced = true;
    const staged = { host: join(scratchDir, "tests"), inside: TESTS_STAGE, mode: "ro" as const };
    const r = await run("verifier", ["/bin/sh", "-c", `rm -rf /tests && cp -a ${TESTS_STAGE} /tests`], {
      user: "0",
      cwd: "/",
      extraMounts: [staged],
    });
    removeMountPoint(fsRoot, TESTS_STAGE.slice(1));
    if (r.exitCode !== 0) reduce(`/tests could not be copied into the environment: ${r.output.trim().slice(0, 200)}`);
  };

  const exec = async (phase: Phase, command: string, o: ExecOpts = {}): Promise<RunResult> => {
    if (phase === "verifier") await placeTests();
    let runEnv = { ...env, ...(o.env ?? {}) };
    let cmd = command;
    if (phase === "verifier") {
      const py = `${SHIM_DIR_INSIDE}/${PYTHON_STANDIN_DIR}`;
      runEnv = {
        ...runEnv,
        PATH: `${SHIM_DIR_INSIDE}:${runEnv.PATH ?? BASE_ENV.PATH}`,
        PYTHONPATH: runEnv.PYTHONPATH ? `${runEnv.PYTHONPATH}:${py}` : py,
      };
      cmd = `${UV_ENV_STANDINS}\n${command}`;
    }
    const done = run(phase, ["/bin/bash", "-c", cmd], { ...o, env: runEnv });
    // bwrap leaves its mount point behind in the root: drop /solution's (empty; rmdir never follows a link).
    return phase === "oracle" ? done.finally(() => removeMountPoint(fsRoot, "solution")) : done;
  };

  const setup = async (o: { timeoutMs?: number } = {}) => {
    userns = await sandboxUserns();
    const mapped = userns !== undefined;
    const own = (p: string) => {
      if (mapped) lchownTree(p, hostId(0));
    };
    etc = mapped ? await openEtcOverlay(join(scratchDir, "etc")) : undefined;
    prepareImageRoot(fsRoot, { mapped, etc: etc ? "overlay" : "copy" });
    const madeByDockerfile = (docker?.steps ?? []).some((st) => st.kind === "workdir" && st.path === workdir);
    if (workdir !== "/" && !readOnly(workdir) && !madeByDockerfile) {
      // Made here, before any sandboxed code has run in this root, so no link can redirect it.
      mkdirSync(join(fsRoot, workdir), { recursive: true });
      own(join(fsRoot, workdir.split("/")[1] ?? ""));
    }
    for (const d of [agentLogs, verifierLogs]) {
      mkdirSync(d, { recursive: true });
      chmodSync(d, 0o777);
    }
    if (task.hasSolution) cpSync(join(task.dir, "solution"), join(scratchDir, "solution"), { recursive: true });
    else mkdirSync(join(scratchDir, "solution"), { recursive: true });
    own(join(scratchDir, "solution"));
    mkdirSync(join(scratchDir, "tests"), { recursive: true });
    const limits = settings.limits;
    const made = await createCgroup(`switchyard-${process.pid}-${Math.random().toString(16).slice(2, 10)}`, {
      memoryMb: limits.memory_mb,
      cpus: limits.cpus,
      maxProcesses: 4096,
    });
    if (typeof made === "string") reduce(`cpus/memory limits not applied: ${made}`);
    else {
      cgroup = made;
      limitsBy = "cgroup v1";
    }
    if (!mapped)
      reduce("not running as root: the sandbox has one user id, so chown to other users and USER cannot apply");
    if (docker?.from)
      fidelity.notes.push(`FROM ${docker.from} ignored: the host's root file system stands in for the image`);
    else if (task.config.environment.docker_image) {
      fidelity.notes.push(
        `docker_image ${task.config.environment.docker_image} ignored: the host's root file system stands in`,
      );
    }
    for (const line of docker?.unsupported ?? []) reduce(`Dockerfile line ${line}: skipped`);
    if (docker) {
      await buildEnvironment(docker, {
        contextDir: join(task.dir, "environment"),
        dockerfile: join(task.dir, "environment", "Dockerfile"),
        stageDir: join(scratchDir, "build"),
        ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }),
        runner: {
          run: (r) =>
            run("setup", r.argv, {
              user: r.user,
              cwd: r.cwd,
              env: r.env,
              ...(r.mounts ? { extraMounts: r.mounts } : {}),
              ...(r.timeoutMs === undefined ? {} : { timeoutMs: r.timeoutMs }),
            }),
          readOnly,
          hostMkdir: (path) => {
            let cur = fsRoot;
            for (const part of path.split("/").filter(Boolean)) {
              cur = join(cur, part);
              if (existsSync(cur)) continue;
              mkdirSync(cur);
              if (userns) lchownSync(cur, hostId(0), hostId(0));
            }
          },
          reduce,
          skipped: skippedSteps,
        },
      });
      rmSync(join(scratchDir, "build"), { recursive: true, force: true });
      removeMountPoint(fsRoot, STAGE_INSIDE.slice(1));
    }
    // The trial's working folder exists even without a WORKDIR step (TB2's /app convention, [environment] workdir).
    if (!existsSync(join(fsRoot, workdir)) && !readOnly(workdir)) {
      await run("setup", ["/bin/sh", "-c", 'mkdir -p "$1"', "sh", workdir], { user: "0", cwd: "/" });
    }
  };

  const installTests = () => {
    cpSync(join(task.dir, "tests"), join(scratchDir, "tests"), { recursive: true });
    if (userns) lchownTree(join(scratchDir, "tests"), hostId(0));
  };

  const collectLogs = () => {
    for (const [from, to] of [
      [agentLogs, join(trialDir, "agent")],
      [verifierLogs, join(trialDir, "verifier")],
    ] as const) {
      if (!existsSync(from)) continue;
      try {
        if (!existsSync(to)) {
          renameSync(from, to);
          continue;
        }
      } catch {
        // another file system (EXDEV): copy instead
      }
      cpSync(from, to, { recursive: true, force: true });
    }
  };

  const shimUses = (): string[] => {
    const f = [join(trialDir, "verifier", SHIM_LOG), join(verifierLogs, SHIM_LOG)].find((p) => existsSync(p));
    if (!f) return [];
    return [...new Set(readFileSync(f, "utf8").split("\n").filter(Boolean))];
  };

  const describe = (): EnvironmentInfo => ({
    kind: "local",
    fidelity: fidelity.reduced ? "reduced" : "full",
    notes: [...fidelity.notes],
    skipped_steps: [...skippedSteps],
    limits: {
      cpus: limitsBy === "none" ? null : settings.limits.cpus,
      memory_mb: limitsBy === "none" ? null : settings.limits.memory_mb,
      applied_by: limitsBy,
      source: { cpus: settings.limits.source.cpus, memory_mb: settings.limits.source.memory_mb },
    },
    user: { agent: phaseUser("agent"), verifier: phaseUser("verifier") },
  });

  return {
    kind: "local",
    workdir,
    env,
    fidelity,
    skippedSteps,
    setup,
    sandboxSpec: spec,
    exec,
    installTests,
    collectLogs,
    shimUses,
    describe,
    dispose: () => {
      etc?.close();
      void cgroup?.remove();
      rmSync(scratchDir, { recursive: true, force: true });
    },
  };
}

/** Where a step writes, for carving writable folders below the read-only system folders. */
function destinations(step: NonNullable<BenchTask["docker"]>["steps"][number]): string[] {
  if (step.kind === "workdir") return [step.path];
  if (step.kind === "copy" || step.kind === "file") {
    const d = copyDestination(step);
    return [d.isDir ? d.path : posix.dirname(d.path)];
  }
  return runFolders(step.command, IMAGE_SYSTEM_DIRS);
}

/** Where tests/ is mounted (read-only) while it is copied to /tests. */
const TESTS_STAGE = "/.switchyard-tests";

function removeMountPoint(root: string, name: string): void {
  try {
    rmdirSync(join(root, name));
  } catch {
    // not there, not empty, or not a folder any more: leave it
  }
}

/** Host-side ownership of a tree the host itself made (never one the sandbox has touched). */
function lchownTree(p: string, id: number): void {
  lchownSync(p, id, id);
  if (!lstatSync(p).isDirectory()) return;
  for (const name of readdirSync(p)) lchownTree(join(p, name), id);
}

/**
 * TB2 test scripts run `curl …/uv/install.sh | sh` (a no-op offline) then `source $HOME/.local/bin/env`
 * (`$HOME/.cargo/env` for older uv): provide both, inside the sandbox as the verifier's user, so that line does not
 * fail under `set -e`.
 */
const UV_ENV_STANDINS = `for __sy_f in "$HOME/.local/bin/env" "$HOME/.cargo/env"; do
  [ -e "$__sy_f" ] || { mkdir -p "\${__sy_f%/*}" && printf '# offline stand-in for uv'"'"'s installer\\nexport PATH="${SHIM_DIR_INSIDE}:$PATH"\\n' > "$__sy_f"; } 2>/dev/null || true
done; unset __sy_f`;
