import { decodeContractError } from "@neuroledger/sdk/chain";

/**
 * Any failure as one sentence for the person at the screen: contract reverts by their custom
 * error's hint, SDK errors by their short message, wallet rejections plainly. Details go to the
 * console for whoever debugs.
 */
export function explain(cause: unknown): string {
  console.error(cause);
  const decoded = decodeContractError(cause) as {
    name?: string;
    shortMessage?: string;
    hints?: readonly string[];
    message?: string;
  };
  if (decoded?.name === "ContractRevertError") {
    return [decoded.shortMessage, ...(decoded.hints ?? [])].filter(Boolean).join(" ");
  }
  const text = `${decoded?.name ?? ""} ${decoded?.message ?? ""}`;
  if (/UserRejected|User rejected|4001/.test(text))
    return "The request was rejected in the wallet.";
  if (decoded?.shortMessage) return [decoded.shortMessage, ...(decoded.hints ?? [])].join(" ");
  return decoded?.message ?? String(cause);
}
