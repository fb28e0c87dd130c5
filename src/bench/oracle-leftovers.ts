import { existsSync, readFileSync } from "node:fs";

const LEFTOVER = "[switchyard] still running when solve.sh ended:";

/**
 * The oracle's command, followed by a list of the processes still alive in its sandbox when solve.sh has ended (a
 * server started with `nohup … &`): the local environment stops them with the phase, where Harbor's container keeps
 * them for the verifier. solve.sh's exit code is kept.
 */
export function withLeftoverReport(command: string): string {
  // Orphans of the sandbox's init (pid 1) other than this shell: what solve.sh started and left behind. This shell's
  // own children (ps, awk, a fork not yet exec'd) have it as their parent and are not listed.
  const list = `ps -e -o pid=,ppid=,args= 2>/dev/null | awk -v me=$$ '$2 == 1 && $1 != me { $1 = ""; $2 = ""; sub(/^ +/, ""); print "${LEFTOVER} " $0 }'`;
  return `${command}\n__sy_rc=$?; ${list}; exit $__sy_rc`;
}

/** The fidelity note for what the oracle left running (from its log), or undefined when nothing was. */
export function leftoverNote(oracleLog: string): string | undefined {
  if (!existsSync(oracleLog)) return undefined;
  const lines = readFileSync(oracleLog, "utf8").split("\n");
  const left = lines.filter((l) => l.startsWith(LEFTOVER)).map((l) => l.slice(LEFTOVER.length).trim());
  if (!left.length) return undefined;
  return `solve.sh left processes running (${left.join("; ").slice(0, 200)}): each phase is its own sandbox here, so they stopped before the verifier ran; in Harbor's container they keep running (a server the tests query is not there)`;
}
