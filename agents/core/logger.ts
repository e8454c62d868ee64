/**
 * Structured JSON logging (pino). Child loggers carry a `component` binding. Secrets are redacted by key
 * name wherever they appear in the first levels of a log object (`privateKey`, `config.privateKey`, ...).
 */
import { pino, type Logger, type DestinationStream } from "pino";
import type { LogLevel } from "./config.js";

export type { Logger } from "pino";

const SECRET_KEYS = ["privateKey", "private_key", "secret", "password", "mnemonic", "apiKey", "authorization"];

/** Redaction paths: each secret key at the top level and one or two levels deep. */
export const REDACT_PATHS: readonly string[] = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

/** Options of {@link createLogger}. */
export interface CreateLoggerOptions {
  /** Logger name, usually the agent name. */
  name: string;
  level?: LogLevel;
  /** Where to write (default stdout); tests pass a stream to capture lines. */
  destination?: DestinationStream;
  /** Bindings added to every line (e.g. `{ chain_id: 31337 }`). */
  base?: Record<string, unknown>;
}

/** Creates the root logger of an agent. */
export function createLogger(options: CreateLoggerOptions): Logger {
  return pino(
    {
      name: options.name,
      level: options.level ?? "info",
      base: { pid: process.pid, ...options.base },
      redact: { paths: [...REDACT_PATHS], censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}

/** A child logger for one component (`event-source`, `tx-sender`, `http`, ...). */
export function componentLogger(parent: Logger, component: string, bindings: Record<string, unknown> = {}): Logger {
  return parent.child({ component, ...bindings });
}

/** A logger that drops everything (for tests and libraries used without a logger). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
