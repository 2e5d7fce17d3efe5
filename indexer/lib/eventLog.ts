import { type Context, ponder } from "ponder:registry";
import { contractEvent } from "ponder:schema";
import { type Abi, type AbiEvent, formatAbiItem } from "abitype";

/** JSON-safe copy of decoded event args (bigints as decimal strings). */
export function jsonArgs(args: unknown): unknown {
  return JSON.parse(
    JSON.stringify(args ?? {}, (_k, v) => (typeof v === "bigint" ? v.toString() : v)),
  );
}

type AnyEvent = {
  id: string;
  name?: string;
  args: unknown;
  block: { number: bigint; timestamp: bigint };
  log: { logIndex: number; address: `0x${string}` };
  transaction: { hash: `0x${string}` };
};

/**
 * Mirrors every event of `abi` that has no table of its own into `contract_event`, so nothing a
 * contract emits is missing from the indexer. Overloaded names are registered by signature.
 * @param contract the config entry (`Registry`), also what the row's `contract` says
 * @param registries for registries: the task of the emitting address, and further config
 *   entries with the same ABI whose events are logged as `contract` unless `skip` says another
 *   entry already has them (`AddedRegistry`, Ponder's factory, finds the deployment's too)
 */
export function logOtherEvents(
  contract: string,
  abi: Abi,
  handled: ReadonlySet<string>,
  registries?: {
    taskOf: (address: `0x${string}`, context: Context) => Promise<string>;
    alsoFrom: readonly string[];
    skip: (entry: string, address: `0x${string}`) => boolean;
  },
) {
  const events = abi.filter((item): item is AbiEvent => item.type === "event");
  for (const event of events) {
    if (handled.has(event.name)) continue;
    const overloaded = events.filter((e) => e.name === event.name).length > 1;
    const name = overloaded ? formatAbiItem(event).replace(/^event /, "") : event.name;
    // The event name is only known at run time here, so the typed registry cannot check it.
    const on = ponder.on.bind(ponder) as (
      name: string,
      fn: (args: { event: AnyEvent; context: Context }) => Promise<void>,
    ) => void;
    for (const entry of [contract, ...(registries?.alsoFrom ?? [])]) {
      on(`${entry}:${name}`, async ({ event, context }) => {
        if (registries?.skip(entry, event.log.address)) return;
        await context.db.insert(contractEvent).values({
          id: event.id,
          contract,
          address: event.log.address.toLowerCase() as `0x${string}`,
          task: registries ? await registries.taskOf(event.log.address, context) : null,
          name: event.name ?? name,
          args: jsonArgs(event.args),
          blockNumber: event.block.number,
          logIndex: event.log.logIndex,
          txHash: event.transaction.hash,
          timestamp: event.block.timestamp,
        });
      });
    }
  }
}
