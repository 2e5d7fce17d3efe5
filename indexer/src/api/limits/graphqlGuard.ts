import type { MiddlewareHandler } from "hono";
import { type GraphqlLimits, GraphqlRefusal, graphqlCost } from "./graphqlCost.ts";
import { replaceResponse } from "./replaceResponse.ts";

/** Largest GraphQL request body accepted. */
export const MAX_GRAPHQL_BODY_BYTES = 32 * 1024;

const badRequest = (error: string) =>
  new Response(JSON.stringify({ error: `bad request: ${error}`, errors: [{ message: error }] }), {
    status: 400,
    headers: { "content-type": "application/json; charset=utf-8" },
  });

/**
 * In front of Ponder's `graphql()`: refuses, with 400 and the reason, a POST whose body is not one
 * `{ query, variables?, operationName? }` object, whose query does not parse, or that passes a
 * limit of {@link graphqlCost} (rows read, depth, aliases, tokens), before any row is read. After
 * Ponder (which answers 200 to everything), a response with errors and no data (or only nulls)
 * becomes a 400.
 */
export function graphqlGuard(limits: GraphqlLimits): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method !== "POST") return next();
    const length = Number(c.req.header("content-length") ?? 0);
    if (length > MAX_GRAPHQL_BODY_BYTES) {
      return badRequest(`request body of ${length} bytes, at most ${MAX_GRAPHQL_BODY_BYTES}`);
    }
    // A clone: Ponder's GraphQL server reads the original body.
    const text = await c.req.raw.clone().text();
    if (text.length > MAX_GRAPHQL_BODY_BYTES) {
      return badRequest(`request body of ${text.length} bytes, at most ${MAX_GRAPHQL_BODY_BYTES}`);
    }
    const problem = requestProblem(text, limits);
    if (problem) return badRequest(problem);
    await next();
    const answer = (await c.res
      .clone()
      .json()
      .catch(() => undefined)) as { data?: unknown; errors?: { message: string }[] } | undefined;
    if (answer?.errors?.length && hasNoData(answer)) {
      replaceResponse(
        c,
        new Response(
          JSON.stringify({
            error: `bad request: ${answer.errors[0]!.message}`,
            errors: answer.errors,
          }),
          { status: 400, headers: { "content-type": "application/json; charset=utf-8" } },
        ),
      );
    }
  };
}

/** True when a GraphQL answer carries no data: none, null, or only null fields. */
function hasNoData(answer: { data?: unknown }): boolean {
  return (
    answer.data === undefined ||
    answer.data === null ||
    (typeof answer.data === "object" && Object.values(answer.data).every((v) => v === null))
  );
}

/**
 * Why the request body `text` is refused (not one `{ query, variables?, operationName? }` JSON
 * object, or a query that does not parse or passes a limit); undefined when it may go on.
 */
function requestProblem(text: string, limits: GraphqlLimits): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'expected a JSON body { "query": "..." }';
  }
  const shapeProblem = bodyShapeProblem(body);
  if (shapeProblem) return shapeProblem;
  try {
    graphqlCost((body as { query: string }).query, limits);
  } catch (error) {
    if (error instanceof GraphqlRefusal) return error.message;
    throw error;
  }
  return undefined;
}

/** What is wrong with the shape of a parsed GraphQL request body; undefined when nothing. */
function bodyShapeProblem(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return "expected one JSON object { query, variables?, operationName? } (no batches)";
  }
  const { query, variables, operationName } = body as Record<string, unknown>;
  if (typeof query !== "string" || query.trim() === "") {
    return 'missing "query" (a GraphQL document as a string)';
  }
  if (
    variables !== undefined &&
    variables !== null &&
    (typeof variables !== "object" || Array.isArray(variables))
  ) {
    return '"variables" must be an object';
  }
  if (operationName !== undefined && operationName !== null && typeof operationName !== "string") {
    return '"operationName" must be a string';
  }
  return undefined;
}
