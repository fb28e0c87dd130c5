import { isRecord, type StoredResponse } from "./turn-selection.ts";

/**
 * Responses input items that are only a reference to an item the server kept. OpenAI keeps a response's output
 * items only when the response was stored (`store` not false, the default true: Responses API reference, `store`);
 * an input item that carries nothing but such a reference — a `reasoning` item without `encrypted_content`, or an
 * `item_reference` — to an item that was not kept is refused with 404 and this body (the API's wording, as its
 * users report it: anomalyco/opencode issue #7724, can1357/oh-my-pi issue #41):
 * `{"error": {"message": "Item with id 'rs_…' not found. Items are not persisted when `store` is set to false. Try
 * again with `store` set to true, or remove this item from your input.", "type": "invalid_request_error", "param":
 * "input", "code": null}}`. A reasoning item with `encrypted_content` is decrypted, not looked up, so it passes
 * under `store: false` (the stateless mode's round trip, `include: ["reasoning.encrypted_content"]`).
 *
 * The mock's item ids embed their response's id (`rs_<hex>_0` of `resp_<hex>`), so "kept" means: that response
 * was stored. Message and call items carry their content and are not checked here.
 */
export function unpersistedItemMessage(body: Record<string, unknown>, stored: ReadonlyMap<string, StoredResponse>) {
  if (!Array.isArray(body.input)) return undefined;
  for (const item of body.input) {
    if (!isRecord(item) || typeof item.id !== "string") continue;
    const reference =
      item.type === "item_reference" || (item.type === "reasoning" && typeof item.encrypted_content !== "string");
    if (!reference || stored.has(responseIdOf(item.id))) continue;
    return (
      `Item with id '${item.id}' not found. Items are not persisted when \`store\` is set to false. ` +
      "Try again with `store` set to true, or remove this item from your input."
    );
  }
  return undefined;
}

/** `rs_<hex>_0` → `resp_<hex>` (the mock's ids, server.ts newId); any other form maps to no response. */
function responseIdOf(itemId: string): string {
  const m = /^[a-z]+_([0-9a-f]{24})(?:_|$)/.exec(itemId);
  return m ? `resp_${m[1]}` : "";
}
