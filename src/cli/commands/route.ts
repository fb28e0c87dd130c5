import type { RegisterCommand } from "./index.ts";

export const registerRoute: RegisterCommand = (program, setExit) => {
  program
    .command("route")
    .description("show which model the router picks for a task, and why")
    .argument("<task>", "the task text")
    .option("--explain", "show class scores and cues, every strategy's verdict and the fallback chain")
    .option("--json", "print the decision as JSON")
    .option("--model <ref>", 'an explicit model ("auto" lets the router choose)')
    .option("--config <file>", "config file (default: ./switchyard.toml)")
    .option(
      "--include-evidence <kinds>",
      "also learn from non-comparable bench trials: loopback,reduced,other-projects,unknown or all",
    )
    .option("--store <path|url>", "results store: a SQLite file or postgres:// URL (default: $SWITCHYARD_STORE)")
    .action(async (task: string, opts: import("../render-route.ts").RouteFlags) => {
      const { renderRoute } = await import("../render-route.ts");
      setExit(await renderRoute(task, opts));
    });
};
