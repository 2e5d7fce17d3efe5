import { defineParams } from "@sveltejs/kit/params";

/** Route parameter matchers: a URL that does not fit is a 404 before any load runs. */
export const params = defineParams({
  /** Registry model ids: positive integers. */
  modelId: (param) => (/^[1-9][0-9]{0,30}$/.test(param) ? param : undefined),
  /** A transaction hash. */
  txHash: (param) => (/^0x[0-9a-fA-F]{64}$/.test(param) ? param : undefined),
});
