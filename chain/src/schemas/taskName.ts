// A task's name (docs/interfaces.md section 14), checked exactly as TaskDirectory.addTask does, so
// a name the chain refuses is refused here first, with the same reason (browser-safe).
import { z } from "zod";

/** Longest task name in bytes (TaskDirectory.MAX_TASK_BYTES). */
export const MAX_TASK_BYTES = 128;

const ALLOWED = /^[a-z0-9._/-]$/;

/**
 * Why `name` cannot be a task's name, or undefined when it can: 1 to {@link MAX_TASK_BYTES}
 * bytes of `a-z 0-9 - _ . /` only (no capital, space, control, invisible or non-ASCII character,
 * so no name can pass for another).
 * @example taskNameProblem("brain-tumor-mri/type") // undefined
 * @example taskNameProblem("Brain") // 'character 1 ("B", U+0042) is not one of a-z 0-9 - _ . /'
 */
export function taskNameProblem(name: string): string | undefined {
  if (name.length === 0) return "is empty";
  const bytes = new TextEncoder().encode(name).length;
  if (bytes > MAX_TASK_BYTES) return `is ${bytes} bytes long; at most ${MAX_TASK_BYTES}`;
  const characters = [...name];
  const bad = characters.findIndex((c) => !ALLOWED.test(c));
  if (bad === -1) return undefined;
  const c = characters[bad] as string;
  const code = `U+${(c.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, "0")}`;
  // The character itself only when it prints as itself: a control or bidi one would garble the line.
  const shown = /^[\x21-\x7e]$/.test(c) ? `${JSON.stringify(c)}, ${code}` : code;
  return `character ${bad + 1} (${shown}) is not one of a-z 0-9 - _ . /`;
}

/** A task name ({@link taskNameProblem} is the message of a refusal). */
export const taskNameSchema = z.string().superRefine((name, context) => {
  const problem = taskNameProblem(name);
  if (problem !== undefined) context.addIssue({ code: "custom", message: `task name ${problem}` });
});
