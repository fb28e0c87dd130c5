import type { Command } from "commander";

/**
 * A command module registers its subcommand on the program. `setExit` records the exit code for the run.
 * Command modules import only light modules at top level; heavy work is imported inside the action.
 */
export type RegisterCommand = (program: Command, setExit: (code: number) => void) => void;

import { registerApply } from "./apply.ts";
import { registerBench } from "./bench.ts";
import { registerCost } from "./cost.ts";
import { registerDiscard } from "./discard.ts";
import { registerLint } from "./lint.ts";
import { registerMock } from "./mock.ts";
import { registerModels } from "./models.ts";
import { registerReport } from "./report.ts";
import { registerResume } from "./resume.ts";
import { registerRoute } from "./route.ts";
import { registerRun } from "./run.ts";
import { registerRuns } from "./runs.ts";
import { registerView } from "./view.ts";
import { registerWorker } from "./worker.ts";

export const COMMANDS: RegisterCommand[] = [
  registerRun,
  registerResume,
  registerApply,
  registerDiscard,
  registerRuns,
  registerModels,
  registerMock,
  registerBench,
  registerWorker,
  registerReport,
  registerCost,
  registerRoute,
  registerLint,
  registerView,
];
