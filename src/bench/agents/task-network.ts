import { join } from "node:path";
import { type EgressRule, parseEgressRule } from "../../sandbox/egress-rules.ts";
import type { BenchTask } from "../task.ts";

/**
 * The hosts a task itself asks its agent phase to reach (Harbor's task.toml): `[agent]` or `[environment]`
 * `network_mode = "allowlist"` with `allowed_hosts`, and `allow_internet = true` / `network_mode = "public"` for the
 * whole internet, which here is still the egress proxy (every connection logged), with a rule that admits any
 * host. `no-network` (or nothing) adds none: the agent reaches its model endpoint only.
 */
export function taskEgressRules(task: BenchTask): EgressRule[] {
  const { agent, environment } = task.config;
  const mode = agent.network_mode ?? environment.network_mode;
  if (mode === "public" || (mode === undefined && environment.allow_internet === true)) return [{ host: "*" }];
  if (mode !== "allowlist") return [];
  const file = join(task.dir, "task.toml");
  const hosts = agent.allowed_hosts ?? environment.allowed_hosts ?? [];
  const table = agent.allowed_hosts ? "agent" : "environment";
  return hosts.map((h) => parseEgressRule(h, `${file}: [${table}] allowed_hosts`));
}
