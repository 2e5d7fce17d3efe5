import { type Address, isAddress } from "viem";
import { z } from "zod";

/** Largest page the audit API serves; bigger asks get a 400 rather than a silent cut. */
export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 100;
/** Highest page number served. */
export const MAX_PAGE = 1_000_000;

const DAY_S = 86_400;
const dateOnly = /^\d{4}-\d{2}-\d{2}$/;
const dateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export const address = z
  .string()
  .trim()
  .refine((v) => isAddress(v, { strict: false }), {
    error: (issue) => `not an address: "${String(issue.input)}" (expected 0x and 40 hex digits)`,
  })
  // Ponder stores addresses lowercase; filters compare in that form.
  .transform((v) => v.toLowerCase() as Address);

/** A uint256 written in decimal, e.g. a model id. */
export const uintString = z
  .string()
  .trim()
  .regex(/^\d{1,78}$/, "expected a non-negative decimal integer")
  .transform((v) => BigInt(v));

/** Date.parse rolls 2026-02-31 over to March; an auditor typing it meant something else. */
function calendarDateExists(ymd: string): boolean {
  const [y, m, d] = ymd.split("-").map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** An institution by its membership token id (decimal) or by its account address. */
export const institutionRef = z
  .string()
  .trim()
  .transform((v, ctx): bigint | Address => {
    if (/^\d{1,78}$/.test(v)) return BigInt(v);
    if (isAddress(v, { strict: false })) return v.toLowerCase() as Address;
    ctx.addIssue({
      code: "custom",
      message: `not an institution: "${v}" (expected its id, e.g. 2, or its account address)`,
    });
    return z.NEVER;
  });

/**
 * A point in time as unix seconds. Accepts `YYYY-MM-DD` (UTC) or an ISO 8601 date-time with a
 * zone. `end` decides what a bare date means as an upper bound: the end of that day.
 */
function instant(end: boolean) {
  return z
    .string()
    .trim()
    .transform((v, ctx) => {
      if (!dateOnly.test(v) && !dateTime.test(v)) {
        ctx.addIssue({
          code: "custom",
          message: `not a date: "${v}" (expected YYYY-MM-DD or an ISO 8601 date-time with a zone, e.g. 2026-11-26T12:00:00Z)`,
        });
        return z.NEVER;
      }
      const ms = Date.parse(dateOnly.test(v) ? `${v}T00:00:00Z` : v);
      if (Number.isNaN(ms) || !calendarDateExists(v.slice(0, 10))) {
        ctx.addIssue({ code: "custom", message: `not a real date: "${v}"` });
        return z.NEVER;
      }
      const seconds = Math.floor(ms / 1000);
      return BigInt(dateOnly.test(v) && end ? seconds + DAY_S - 1 : seconds);
    });
}

export const format = z.enum(["json", "csv"]);

/** A task's name as typed (`?task=brain-tumor-mri/type`); {@link checkTask} checks it is known. */
export const taskName = z.string().trim().min(1, "expected a task name").max(200, "too long");

const pageFields = {
  page: z.coerce
    .number({ error: "expected a whole number >= 1" })
    .int("expected a whole number >= 1")
    .min(1, "expected a whole number >= 1")
    // Beyond this the offset passes what a number holds exactly (and no table is that long).
    .max(MAX_PAGE, `at most ${MAX_PAGE}`)
    .default(1),
  pageSize: z.coerce
    .number({ error: `expected a whole number from 1 to ${MAX_PAGE_SIZE}` })
    .int(`expected a whole number from 1 to ${MAX_PAGE_SIZE}`)
    .min(1, `expected a whole number from 1 to ${MAX_PAGE_SIZE}`)
    .max(MAX_PAGE_SIZE, `at most ${MAX_PAGE_SIZE} rows per page`)
    .default(DEFAULT_PAGE_SIZE),
};

const rangeFields = {
  from: instant(false).optional(),
  to: instant(true).optional(),
};

function rangeInOrder(q: { from?: bigint | undefined; to?: bigint | undefined }) {
  return q.from === undefined || q.to === undefined || q.from <= q.to;
}
const rangeMessage = { message: "`from` is after `to`", path: ["from"] };

export const downloadKinds = ["member", "staff", "patient"] as const;

export const downloadsQuery = z
  .strictObject({
    model: uintString.optional(),
    institution: institutionRef.optional(),
    account: address.optional(),
    kind: z.enum(downloadKinds).optional(),
    task: taskName.optional(),
    ...rangeFields,
    ...pageFields,
    format: format.optional(),
  })
  .refine(rangeInOrder, rangeMessage);
export type DownloadsQuery = z.infer<typeof downloadsQuery>;

export const evaluationsQuery = z
  .strictObject({
    model: uintString.optional(),
    institution: institutionRef.optional(),
    task: taskName.optional(),
    ...rangeFields,
    ...pageFields,
    format: format.optional(),
  })
  .refine(rangeInOrder, rangeMessage);
export type EvaluationsQuery = z.infer<typeof evaluationsQuery>;

/** A summary's window; `task`: the model's task (model summaries), or only that task's downloads
 * (institution summaries). */
export const summaryQuery = z
  .strictObject({ task: taskName.optional(), ...rangeFields, format: format.optional() })
  .refine(rangeInOrder, rangeMessage);
export type SummaryQuery = z.infer<typeof summaryQuery>;

/** A model's history or scores: `task` names the model's task (needed when its id is in several). */
export const historyQuery = z.strictObject({
  task: taskName.optional(),
  format: format.optional(),
});

export const listQuery = z.strictObject({ ...pageFields, format: format.optional() });

/** `GET /audit/models`: pages, and only one task's models with `task`. */
export const modelsQuery = z.strictObject({
  task: taskName.optional(),
  ...pageFields,
  format: format.optional(),
});
export type ModelsQuery = z.infer<typeof modelsQuery>;

export const modelIdParam = z.strictObject({ id: uintString });
export const institutionParam = z.strictObject({ id: institutionRef });

/** Thrown by {@link parseOrThrow}; the API turns it into a 400 naming each bad parameter. */
export class BadRequestError extends Error {
  readonly problems: { parameter: string; message: string }[];

  constructor(problems: { parameter: string; message: string }[]) {
    super(problems.map((p) => `${p.parameter}: ${p.message}`).join("; "));
    this.name = "BadRequestError";
    this.problems = problems;
  }
}

/**
 * Checks a `task` parameter against the tasks this indexer follows.
 * @param task the parsed parameter (undefined: all tasks)
 * @param known the task names of the deployment, in its order
 * @returns the task, or undefined for all tasks
 * @throws BadRequestError naming `task` and the known tasks, for a task the deployment lacks
 */
export function checkTask(task: string | undefined, known: readonly string[]): string | undefined {
  if (task === undefined || known.includes(task)) return task;
  throw new BadRequestError([
    {
      parameter: "task",
      message: `unknown task ${JSON.stringify(task)} (known: ${known.join(", ")})`,
    },
  ]);
}

/**
 * The query string with one value per parameter, for {@link parseOrThrow}.
 * @param all every value of every parameter (Hono's `c.req.queries()`)
 * @throws BadRequestError naming each parameter given more than once (`?task=a&task=b`): which
 *   value counts would otherwise be the framework's choice (the first), while a cache or proxy in
 *   front may read another, so a filter could silently differ from the one the caller checked
 */
export function singleValued(all: Record<string, string[]>): Record<string, string> {
  const repeated = Object.entries(all).filter(([, values]) => values.length > 1);
  if (repeated.length > 0) {
    throw new BadRequestError(
      repeated.map(([parameter, values]) => ({
        parameter,
        message: `given ${values.length} times; give it once`,
      })),
    );
  }
  return Object.fromEntries(Object.entries(all).map(([name, values]) => [name, values[0] ?? ""]));
}

export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new BadRequestError(
    parsed.error.issues.map((issue) => ({
      parameter:
        issue.code === "unrecognized_keys"
          ? issue.keys.join(", ")
          : issue.path.map(String).join(".") || "(query)",
      message: issue.code === "unrecognized_keys" ? "unknown parameter" : issue.message,
    })),
  );
}
