import { errorMessage, FatalToolError } from "../core/errors.ts";
import type { EndState, RunEventBody } from "../core/events.ts";
import { END_STATE_EXIT } from "../core/events.ts";
import type { Message, ModelRef, ToolResult } from "../core/messages.ts";
import { textOf, toolCallsOf } from "../core/messages.ts";
import type { Price, ToolDefinition } from "../core/model.ts";
import { errorResult, type ToolContext } from "../core/tool.ts";
import type { Usage } from "../core/usage.ts";
import { addUsage, promptTokens, totalTokens, ZERO_USAGE } from "../core/usage.ts";
import { addCost, type PriceOptions, priceUsage, ZERO_COST } from "../ledger/price.ts";
import { executeToolCall, normalizedArguments, toolDefinitions } from "../tools/index.ts";
import { abortable } from "./abortable.ts";
import { approve } from "./approve.ts";
import { boundPreamble, boundTokens, type CallPlan, planCall } from "./budget.ts";
import { compactHistory, SUMMARY_REQUEST } from "./compaction.ts";
import { checkToolResults, estimateTokens, NOTE_PREFIX, userText } from "./history.ts";
import { FINISH_KEY, LoopGuard } from "./loop-guard.ts";
import { budgetLimits, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_RESPONSE_TIMEOUT_MS, type LoopDeps } from "./loop-types.ts";
import { modelTurn } from "./model-turn.ts";
import { clipAnswer, refusalMessage, TRUNCATED_NOTE, toolFailure } from "./turn-text.ts";

/**
 * The agent loop: ask the model, run the tools it calls, feed the results back, until it answers without tool
 * calls or a limit ends the run. No I/O of its own: everything comes in through LoopDeps and goes out as events.
 * Limits are checked at the top of every step, in this order: abort/timeout, steps, tool calls, tokens, budget.
 */
export type FinalEventBody = Extract<RunEventBody, { type: "final" }>;
export type { LoopApprovals } from "./approve.ts";

export type { CheckpointOutcome, LoopDeps, LoopLimits, LoopPrior } from "./loop-types.ts";
export { DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_RESPONSE_TIMEOUT_MS } from "./loop-types.ts";

const BUDGET_WARN_SHARE = 0.8;

export async function runLoop(deps: LoopDeps): Promise<FinalEventBody> {
  const clock = deps.clock ?? Date.now;
  const started = clock();
  const { limits, emit, client } = deps;
  const messages: Message[] = deps.history ? [...deps.history] : [userText(deps.task)];
  const execute = deps.execute ?? executeToolCall;
  const toolDefs: ToolDefinition[] = deps.definitions ?? toolDefinitions(deps.tools);
  const guard = new LoopGuard();
  let step = deps.prior?.steps ?? 0;
  let toolCalls = 0;
  let usage = deps.prior?.usage ?? ZERO_USAGE;
  // Read per turn: after a fallback the client answers with (and is billed for) another model.
  const priceNow = (): Price | undefined => deps.price ?? client.model.price;
  let price = priceNow();
  let cost = price ? priceUsage(usage, price) : { ...ZERO_COST, priced: false };
  let lastContext = deps.prior?.lastContextTokens ?? 0;
  let measured = deps.prior?.measuredMessages ?? 0;
  let budgetWarned = deps.prior?.budgetWarned ?? false;
  let model: ModelRef = { provider: client.model.provider, id: client.model.id, protocol: client.model.protocol };

  const timeout = limits.timeoutMs === undefined ? undefined : AbortSignal.timeout(limits.timeoutMs);
  const signals = [deps.signal, timeout].filter((s): s is AbortSignal => s !== undefined);
  const signal = signals.length ? AbortSignal.any(signals) : new AbortController().signal;
  const toolContext: ToolContext = { ...deps.toolContext, signal };

  const finish = (endState: EndState, message: string): FinalEventBody => {
    // Stopped by a signal the CLI names (controller.abort("SIGTERM")): said, and SIGTERM exits 143 (128 + 15).
    const by = endState === "aborted" && typeof deps.signal?.reason === "string" ? deps.signal.reason : undefined;
    const body: FinalEventBody = {
      type: "final",
      endState,
      exitCode: by === "SIGTERM" ? 143 : END_STATE_EXIT[endState],
      message: by && /^SIG[A-Z]+$/.test(by) ? `${message} (${by})` : message,
      steps: step,
      usage,
      cost,
      durationMs: clock() - started,
      ...(limits.budgetUsd !== undefined || limits.maxTokens !== undefined
        ? { budget: { ...budgetLimits(limits), spentUsd: cost.total, largestReserveUsd: largestReserve } }
        : {}),
    };
    emit(body, step);
    return body;
  };
  const note = (code: string, text: string) => {
    messages.push(userText(text));
    emit({ type: "warning", code: `${NOTE_PREFIX}${code}`, message: text }, step);
  };
  /** Run checkpoints of `phase`; true when all passed. Failures become one note to the model. */
  const checkpoints = async (phase: "step" | "end"): Promise<boolean> => {
    const outcomes = (await deps.checkpoints?.(phase, signal)) ?? [];
    for (const c of outcomes) emit({ type: "checkpoint", name: c.name, passed: c.passed, output: c.output }, step);
    const failed = outcomes.filter((c) => !c.passed);
    if (failed.length === 0) return true;
    const lines = failed.map((c) => `Checkpoint "${c.name}" (\`${c.command}\`) failed:\n${c.output}`);
    note("checkpoint", `${lines.join("\n\n")}\n\nMake ${failed.length > 1 ? "them" : "it"} pass before going on.`);
    return false;
  };
  const stoppedState = (): EndState => (timeout?.aborted ? "timeout" : "aborted");
  const nextPromptEstimate = () => lastContext + estimateTokens(messages.slice(measured));
  // Hard budgets (src/agent/budget.ts): an upper bound of the next prompt; the output cap that keeps it in budget.
  const capped =
    limits.budgetUsd !== undefined || limits.maxTokens !== undefined || limits.maxResponseTokens !== undefined;
  const ceiling = () => Math.min(client.model.maxOutputTokens ?? Infinity, limits.maxResponseTokens ?? Infinity);
  let largestReserve = 0;
  const planNext = (extra: Message[] = []): CallPlan => {
    const unmeasured = boundTokens([...messages.slice(measured), ...extra]);
    const prompt = lastContext + unmeasured + (lastContext === 0 ? boundPreamble(deps.system, toolDefs) : 0);
    const top = ceiling();
    return planCall({
      prompt,
      usage,
      spentUsd: cost.total,
      ...(limits.budgetUsd !== undefined && price ? { budgetUsd: limits.budgetUsd, price } : {}),
      ...(limits.maxTokens !== undefined ? { maxTokens: limits.maxTokens } : {}),
      ...(Number.isFinite(top) ? { ceiling: top } : {}),
    });
  };
  if (limits.budgetUsd !== undefined && !price) {
    emit(
      {
        type: "warning",
        code: "budget_unenforceable",
        message: `--budget-usd ${limits.budgetUsd} cannot be enforced: ${model.provider}/${model.id} has no price in the catalog (use --max-tokens, or add a price in switchyard.toml)`,
      },
      step,
    );
  }

  for (;;) {
    price = priceNow();
    if (signal.aborted || (limits.timeoutMs !== undefined && clock() - started >= limits.timeoutMs)) {
      const s = signal.aborted ? stoppedState() : "timeout";
      return finish(s, s === "timeout" ? `timeout after ${limits.timeoutMs} ms` : "aborted");
    }
    if (step >= limits.maxSteps) return finish("step_limit", `step limit reached (${limits.maxSteps} steps)`);
    if (limits.maxToolCalls !== undefined && toolCalls >= limits.maxToolCalls) {
      return finish("step_limit", `tool-call limit reached (${toolCalls} of ${limits.maxToolCalls} calls)`);
    }
    let estimate = nextPromptEstimate();
    let plan = planNext();
    if (plan.stop) return finish("budget_exhausted", plan.stop);
    const share = Math.max(
      limits.budgetUsd !== undefined && price ? cost.total / limits.budgetUsd : 0,
      limits.maxTokens !== undefined ? totalTokens(usage) / limits.maxTokens : 0,
    );
    if (!budgetWarned && share >= BUDGET_WARN_SHARE) {
      budgetWarned = true;
      note("budget", `Note: ${Math.round(share * 100)}% of this run's budget is used. Finish the essential work now.`);
      estimate = nextPromptEstimate();
    }
    if (estimate > (deps.compactAt ?? 0.8) * client.model.contextWindow) {
      // The summary turn is a model call like any other: it must fit the budget too.
      const forSummary = planNext([userText(SUMMARY_REQUEST)]);
      if (forSummary.stop) return finish("budget_exhausted", forSummary.stop);
      try {
        const c = await compactHistory({
          client,
          system: deps.system,
          messages,
          tools: toolDefs,
          signal,
          ...(capped && forSummary.maxOutputTokens !== undefined
            ? { maxOutputTokens: forSummary.maxOutputTokens }
            : {}),
        });
        if (c.method === "native" || c.droppedMessages > 0) {
          messages.splice(0, messages.length, ...c.messages);
          if (c.usage) ({ usage, cost } = account(usage, cost, c.usage, price));
          lastContext = 0;
          measured = 0;
          const spent = c.usage
            ? { usage: c.usage, cost: price ? priceUsage(c.usage, price) : { ...ZERO_COST, priced: false } }
            : {};
          emit(
            {
              type: "compaction",
              method: c.method,
              droppedMessages: c.droppedMessages,
              note: c.note,
              messages,
              ...spent,
            },
            step,
          );
        }
      } catch (err) {
        emit({ type: "warning", code: "compaction_failed", message: errorMessage(err) }, step);
      }
    }
    const problems = checkToolResults(messages);
    if (problems.length) return finish("error", `internal: broken conversation: ${problems.join("; ")}`);

    step++;
    await deps.onStep?.(step, messages);
    if (deps.transformHistory) messages.splice(0, messages.length, ...deps.transformHistory(messages));
    // The final plan for this call, on the history exactly as it will be sent.
    plan = planNext();
    if (plan.stop) return finish("budget_exhausted", plan.stop);
    largestReserve = Math.max(largestReserve, plan.reserveUsd ?? 0);
    const maxOutputTokens = capped ? plan.maxOutputTokens : undefined;

    const turn = await modelTurn(
      deps,
      messages,
      toolDefs,
      signal,
      step,
      () => model,
      (m) => {
        model = m;
      },
      {
        ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
        ...(plan.reserveUsd === undefined ? {} : { reserveUsd: plan.reserveUsd }),
        maxBytes: limits.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
        timeoutMs: limits.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS,
      },
    );
    if (turn.type === "error") {
      if (signal.aborted) return finish(stoppedState(), `${stoppedState()} during a model call`);
      const hint = turn.error.hint ? ` (${turn.error.hint})` : "";
      return finish("provider_error", `${turn.error.provider}: ${turn.error.kind}: ${turn.error.message}${hint}`);
    }
    const message = { ...turn.message, model: turn.message.model ?? model };
    messages.push(message);
    price = priceNow();
    // Priced by the tier that served the call (service tier, long-context rates): ledger/price.ts.
    const tier = { serviceTier: turn.serviceTier };
    ({ usage, cost } = account(usage, cost, turn.usage, price, tier));
    const callCost = price ? priceUsage(turn.usage, price, tier) : { ...ZERO_COST, priced: false };
    lastContext = promptTokens(turn.usage) + turn.usage.output;
    measured = messages.length;
    emit(
      {
        type: "model_response",
        model,
        message,
        stopReason: turn.stopReason,
        ...(turn.stopDetail ? { stopDetail: turn.stopDetail } : {}),
        usage: turn.usage,
        cost: callCost,
        ...(turn.providerCostUsd === undefined ? {} : { providerCostUsd: turn.providerCostUsd }),
        ...(turn.serviceTier ? { serviceTier: turn.serviceTier } : {}),
        latency: turn.latency,
      },
      step,
    );

    const calls = toolCallsOf(message);
    if (turn.stopReason === "max_tokens" && maxOutputTokens !== undefined && maxOutputTokens < ceiling()) {
      // Cut at the budget's reserve, not at the model's own maximum: there is nothing left for another call.
      if (calls.length === 0) {
        return finish(
          "budget_exhausted",
          `budget: the answer was cut at ${maxOutputTokens} output tokens, all that the budget left allowed`,
        );
      }
    }
    if (calls.length === 0) {
      if (turn.stopReason === "pause") continue;
      if (turn.stopReason === "refusal") return finish("refused", refusalMessage(model, turn.stopDetail, message));
      // A truncated or interrupted answer is not the end of the task: ask the model to go on (within the limits).
      if (turn.stopReason === "max_tokens" || turn.stopReason === "incomplete") {
        note("truncated", TRUNCATED_NOTE[turn.stopReason]);
        continue;
      }
      // Stopped as the answer came: a run with end checkpoints is not `done` unless they ran and passed.
      if (signal.aborted && deps.checkpoints) {
        return finish(stoppedState(), `${stoppedState()} as the model finished, before the end checkpoints ran`);
      }
      if (!(await checkpoints("end"))) {
        const verdict = guard.recordKey(FINISH_KEY);
        const plain = guard.last.period === 1;
        if (verdict === "stop") {
          return finish(
            "loop_guard",
            plain
              ? `loop guard: the model tried to finish ${guard.repeats} times in a row while a checkpoint kept failing`
              : `loop guard: ${guard.describe()} while a checkpoint kept failing`,
          );
        }
        if (verdict === "warn") {
          note(
            "loop_guard",
            `Note: you tried to finish ${guard.warnAt} times while the checkpoint above fails${plain ? "" : `, in ${guard.describe()}`}. ` +
              "Saying you are done does not make it pass: run it, read its output and fix the cause. The run stops if this goes on.",
          );
        }
        continue;
      }
      return finish("done", clipAnswer(textOf(message.content)));
    }

    const results: ToolResult[] = [];
    let ending: { state: EndState; message: string } | undefined;
    let warnRepeat: string | undefined;
    for (const call of calls) {
      toolCalls++;
      const normalized = normalizedArguments(deps.tools, call);
      emit({ type: "tool_call", call, ...(normalized ? { normalized } : {}) }, step);
      if (ending) {
        pushResult(results, errorResult(call, `not executed: ${ending.message}`), emit, step, 0);
        continue;
      }
      const verdict = guard.record(call);
      if (verdict === "stop") {
        ending = {
          state: "loop_guard",
          message: `loop guard: ${guard.describe()}`,
        };
        pushResult(results, errorResult(call, `not executed: ${ending.message}`), emit, step, 0);
        continue;
      }
      if (verdict === "warn") warnRepeat = guard.describe();
      const gate = await approve(call, deps.approvals, (e) => emit(e, step));
      if (gate.denied) {
        pushResult(results, errorResult(call, gate.denied), emit, step, 0);
        if (gate.endRun) ending = { state: "denied", message: gate.endRun };
        continue;
      }
      const t0 = clock();
      let result: ToolResult;
      try {
        result = await abortable(execute(deps.tools, call, toolContext), signal, () =>
          errorResult(
            call,
            `stopped: the run's ${stoppedState() === "timeout" ? "time limit" : "interrupt"} came while ${call.name} was still running`,
          ),
        );
      } catch (err) {
        if (err instanceof FatalToolError) {
          result = errorResult(call, `fatal: ${err.message}`);
          ending = { state: err.exitCode === END_STATE_EXIT.denied ? "denied" : "error", message: err.message };
        } else {
          // Any other throw is the tool's failure, not the run's: the model is told and goes on (the guard sees repeats).
          result = errorResult(call, toolFailure(call.name, err));
          emit({ type: "warning", code: "tool_failed", message: `${call.name} failed: ${errorMessage(err)}` }, step);
        }
      }
      pushResult(results, result, emit, step, clock() - t0);
    }
    messages.push({ role: "tool", content: results });
    if (ending) return finish(ending.state, ending.message);
    if (!signal.aborted) await checkpoints("step");
    if (warnRepeat) {
      note(
        "loop_guard",
        `Note: you made ${warnRepeat}. It will not give a different result; change your approach. ` +
          "The run stops if you repeat it again twice.",
      );
    }
  }
}

function account(
  usage: Usage,
  cost: ReturnType<typeof priceUsage>,
  add: Usage,
  price: Price | undefined,
  tier: PriceOptions = {},
) {
  return {
    usage: addUsage(usage, add),
    cost: price ? addCost(cost, priceUsage(add, price, tier)) : { ...cost, priced: false },
  };
}

function pushResult(
  results: ToolResult[],
  result: ToolResult,
  emit: LoopDeps["emit"],
  step: number,
  durationMs: number,
): void {
  results.push(result);
  emit({ type: "tool_result", result, durationMs }, step);
}
