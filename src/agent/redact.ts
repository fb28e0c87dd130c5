/** The redactor lives in core (one for every writer, every layer); re-exported here for the agent's modules. */
export { createRedactor, type Redactor, redactText } from "../core/redact.ts";
