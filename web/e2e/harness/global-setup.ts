import { startFullStack } from "./stack.ts";

/**
 * Starts the embedded stack once for the whole suite (`neuroledger up`, which also serves the
 * built app); tests read it from NEUROLEDGER_E2E_STACK. The returned function stops it.
 */
export default async function globalSetup() {
  const { stack, stop } = await startFullStack();
  process.env.NEUROLEDGER_E2E_STACK = JSON.stringify(stack);
  return stop;
}
