// @ts-expect-error pg-query-emscripten ships no types
import PgQuery from "pg-query-emscripten";

/** Longest SQL text accepted (Ponder's own bound). */
export const MAX_SQL_LENGTH = 5_000;

/**
 * Functions a query may call: Ponder's own allow list (`ponder/dist/esm/utils/sql-parse.js`, not
 * exported, so mirrored here). Checked before the query is planned, because the planner already
 * evaluates immutable functions of constants.
 */
const ALLOWED_FUNCTIONS = new Set(
  (
    "count sum avg min max lower upper length trim replace substring cast concat now " +
    "current_timestamp current_date current_time coalesce json_agg json_object json_array " +
    "json_object_agg json_array_agg json_build_array row_number rank dense_rank percent_rank " +
    "cume_dist ntile lag lead first_value last_value nth_value abs cbrt ceil ceiling degrees div " +
    "exp floor ln log mod pi power radians random round sign sqrt width_bucket acos asin atan " +
    "atan2 cos cot sin tan"
  ).split(" "),
);

/**
 * A SQL-over-HTTP query refused before it runs (too long, not one plain `SELECT`, a function it
 * does not serve, a recursive CTE, a plan over the cost or row limit); the message names the
 * reason and the API answers 400 with it.
 */
export class SqlRefusal extends Error {
  override name = "SqlRefusal";
}

let parser:
  | Promise<{
      parse(sql: string): {
        parse_tree: { stmts: { stmt: unknown }[] };
        error: { message: string } | null;
      };
    }>
  | undefined;

/**
 * Refuses, before anything is planned or run, SQL that is not one plain read: more than one
 * statement, anything but SELECT, a recursive CTE (it can loop without end), a function in FROM
 * (set-returning), a function outside the allow list, locking clauses.
 */
export async function checkSqlShape(sql: string): Promise<void> {
  if (sql.length > MAX_SQL_LENGTH) {
    throw new SqlRefusal(`query is ${sql.length} characters, at most ${MAX_SQL_LENGTH}`);
  }
  parser ??= PgQuery();
  const { parse } = await parser!;
  const result = parse(sql);
  if (result.error) throw new SqlRefusal(`query does not parse: ${result.error.message}`);
  const statements = result.parse_tree.stmts;
  if (statements.length !== 1) {
    throw new SqlRefusal(`expected one statement, got ${statements.length}`);
  }
  const stmt = statements[0]!.stmt as Record<string, unknown>;
  const kind = Object.keys(stmt)[0];
  if (kind !== "SelectStmt") throw new SqlRefusal(`only SELECT is served, not ${kind}`);
  walk(stmt);
}

function walk(node: unknown): void {
  if (Array.isArray(node)) {
    for (const n of node) walk(n);
    return;
  }
  if (typeof node !== "object" || node === null) return;
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    refuseNode(key, value);
    walk(value);
  }
}

/** Throws a {@link SqlRefusal} when the parse-tree entry `key: value` is not served. */
function refuseNode(key: string, value: unknown): void {
  if (key === "RangeFunction" || key === "RangeTableFunc") {
    throw new SqlRefusal("functions in FROM are not served");
  }
  if (key === "lockingClause") throw new SqlRefusal("FOR UPDATE/SHARE is not served");
  if (key === "withClause" && (value as { recursive?: boolean })?.recursive) {
    throw new SqlRefusal("recursive CTEs are not served (they can run without end)");
  }
  if (key === "FuncCall") {
    const names = ((value as { funcname?: { String?: { sval?: string } }[] }).funcname ?? []).map(
      (n) => n.String?.sval ?? "?",
    );
    const name = names.join(".");
    if (names.length !== 1 || !ALLOWED_FUNCTIONS.has(names[0]!)) {
      throw new SqlRefusal(`function ${name}() is not served`);
    }
  }
}
