// Types for server.js (plain JavaScript so it runs beside the built app without a compile step).

export interface WebServerOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Stack settings the app reads (NEUROLEDGER_RPC_URL, ...; see src/lib/server/config.ts). */
  env?: Record<string, string>;
  /** Build the app first when there is no build. */
  build?: boolean;
}

export interface WebServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export function startWebServer(options?: WebServerOptions): Promise<WebServer>;
