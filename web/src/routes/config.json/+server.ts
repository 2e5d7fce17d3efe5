import { json } from "@sveltejs/kit";
import { readServerConfig } from "#lib/server/config.ts";

export const GET = () => json(readServerConfig().app);
