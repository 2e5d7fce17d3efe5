import type { Context } from "hono";

/**
 * Replaces the response a later handler produced. Assigning `c.res` directly would copy the old
 * response's headers onto the new one, Content-Length included, and cut the new body short.
 */
export function replaceResponse(c: Context, response: Response) {
  c.res = undefined as unknown as Response;
  c.res = response;
}
