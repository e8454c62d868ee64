/**
 * Configuration loading: one zod schema per agent role, values from a TOML or JSON file, overridden by
 * environment variables `<PREFIX>_<KEY>` (nested keys joined by `__`, e.g. `ZG_STORAGE_HTTP__PORT`).
 * Strings from the environment are coerced to the type the schema expects at that key. Everything is
 * validated once, at start-up; any problem throws a {@link ConfigError} naming the key path and the bad value.
 */
import fs from "node:fs";
import path from "node:path";
import { parse as parseToml } from "smol-toml";
import { z } from "zod";
import { ConfigError, type ConfigIssue } from "./errors.js";

/** Log levels accepted by the logger. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "expected a 0x-prefixed 32-byte hex string");

/**
 * Keys shared by every agent role. Extend it per role: `baseConfigSchema.extend({ shardPosition: z.string() })`.
 */
export const baseConfigSchema = z.object({
  /** JSON-RPC endpoint of the chain. */
  rpcUrl: z.url(),
  /** Chain id the RPC must serve (31337 local, 16602 Galileo, 16661 mainnet). */
  chainId: z.number().int().positive(),
  /** Redis connection URL (`redis://127.0.0.1:6379/0`). */
  redisUrl: z.string().regex(/^rediss?:\/\//, "expected a redis:// or rediss:// URL"),
  /** Blocks an event must be buried under before it is handled. */
  confirmations: z.number().int().min(0).default(3),
  /** How often the event source polls for new blocks, in milliseconds. */
  pollIntervalMs: z.number().int().positive().default(2000),
  /** Largest block range of one `eth_getLogs` request. */
  maxBlockRange: z.number().int().positive().default(1000),
  /** Status server bind address and port (0 picks a free port). */
  http: z
    .object({
      host: z.string().min(1).default("127.0.0.1"),
      port: z.number().int().min(0).max(65535).default(0),
    })
    .prefault({}),
  /** Log level. */
  logLevel: z.enum(LOG_LEVELS).default("info"),
  /** Private key of the agent's account. Environment only: a file holding it is rejected. */
  privateKey: hex32.optional(),
  /** Path of the address book (`deployments/<network>.json`). */
  addressBook: z.string().min(1).optional(),
});
export type BaseConfig = z.infer<typeof baseConfigSchema>;

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** TOML (`.toml`) or JSON (`.json`) file; optional when everything comes from the environment. */
  file?: string;
  /** Environment prefix without the trailing underscore, e.g. `ZG_STORAGE`. */
  envPrefix: string;
  /** Environment to read (defaults to `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Key names that may only come from the environment (default `["privateKey"]`). */
  envOnlyKeys?: readonly string[];
  /**
   * What to do with keys the schema does not know (a typo such as `confirmation = 5`): `"error"` (default)
   * fails start-up naming them, `"ignore"` drops them.
   */
  unknownKeys?: "error" | "ignore";
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: unknown };

const SECRET_KEY = /(private.?key|secret|password|token|mnemonic)/i;

/**
 * Loads, merges, coerces and validates configuration.
 *
 * @param schema zod schema of the role's configuration (usually `baseConfigSchema.extend(...)`).
 * @param options File, environment prefix and environment.
 * @returns The parsed configuration, typed by the schema's output.
 * @throws {ConfigError} naming every missing or malformed key, its value and its source.
 * @example
 * const cfg = loadConfig(baseConfigSchema.extend({ shard: z.string() }), { file: "storage.toml", envPrefix: "ZG_STORAGE" });
 */
export function loadConfig<S extends z.ZodType>(schema: S, options: LoadConfigOptions): z.infer<S> {
  const env = options.env ?? process.env;
  const envOnly = new Set(options.envOnlyKeys ?? ["privateKey"]);
  const sources = new Map<string, string>();
  let input: Obj = {};

  if (options.file !== undefined) {
    input = readConfigFile(options.file);
    const misplaced: ConfigIssue[] = [];
    visit(input, [], (p) => {
      const last = p[p.length - 1];
      if (last !== undefined && envOnly.has(last)) {
        misplaced.push({
          path: p.join("."),
          message: `may only be set in the environment (${envVarName(options.envPrefix, p)}), not in a file`,
          received: "[redacted]",
          source: options.file,
        });
      }
    });
    if (misplaced.length) throw new ConfigError(misplaced);
    visit(input, [], (p) => sources.set(p.join("."), `file ${options.file}`));
  }

  const prefix = `${options.envPrefix}_`;
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(prefix) || raw === undefined) continue;
    const segments = name.slice(prefix.length).split("__").filter(Boolean);
    if (!segments.length) continue;
    const keyPath = resolveKeyPath(schema, segments);
    const target = schemaAt(schema, keyPath);
    setPath(input, keyPath, coerce(raw, target));
    sources.set(keyPath.join("."), `env ${name}`);
  }

  if ((options.unknownKeys ?? "error") === "error") {
    const unknown: ConfigIssue[] = [];
    visit(input, [], (p) => {
      const at = firstUnknown(schema, p);
      if (at) unknown.push({ path: at.join("."), message: "unknown key", source: sources.get(p.join(".")) });
    });
    const seen = new Set<string>();
    const issues = unknown.filter((i) => !seen.has(i.path) && seen.add(i.path));
    if (issues.length) throw new ConfigError(issues);
  }

  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues: ConfigIssue[] = result.error.issues.map((issue) => {
    const p = issue.path.map(String);
    const key = p.join(".");
    const received = getPath(input, p);
    const last = p[p.length - 1] ?? "";
    return {
      path: key,
      message: issue.message,
      received: received === undefined ? undefined : SECRET_KEY.test(last) ? "[redacted]" : received,
      source: sources.get(key) ?? (received === undefined ? undefined : "file"),
    };
  });
  throw new ConfigError(issues);
}

/** The environment variable that sets `keyPath` (camelCase segments → SCREAMING_SNAKE, nested with `__`). */
export function envVarName(envPrefix: string, keyPath: readonly string[]): string {
  return `${envPrefix}_${keyPath.map((k) => k.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase()).join("__")}`;
}

function readConfigFile(file: string): Obj {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError([{ path: "", message: `cannot read config file ${file}`, source: file }], { cause: err });
  }
  const ext = path.extname(file).toLowerCase();
  let parsed: unknown;
  try {
    if (ext === ".toml") parsed = parseToml(text);
    else if (ext === ".json") parsed = JSON.parse(text) as Json;
    else throw new Error(`unsupported extension "${ext}" (use .toml or .json)`);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new ConfigError([{ path: "", message: `cannot parse ${file}: ${message}`, source: file }], { cause: err });
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ConfigError([{ path: "", message: "the config file must hold an object", source: file }]);
  }
  return parsed as Obj;
}

function visit(value: unknown, p: string[], fn: (p: string[]) => void): void {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) visit(v, [...p, k], fn);
  } else if (p.length) fn(p);
}

function getPath(obj: unknown, p: readonly string[]): unknown {
  let cur: unknown = obj;
  for (const k of p) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Obj)[k];
  }
  return cur;
}

function setPath(obj: Obj, p: readonly string[], value: unknown): void {
  let cur = obj;
  p.forEach((k, i) => {
    if (i === p.length - 1) {
      cur[k] = value;
      return;
    }
    const next = cur[k];
    if (next === null || typeof next !== "object" || Array.isArray(next)) cur[k] = {};
    cur = cur[k] as Obj;
  });
}

/** Internal view of a zod 4 schema definition, enough to walk objects and wrappers. */
interface ZodDefView {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  options?: z.ZodType[];
}

function defOf(schema: z.ZodType): ZodDefView {
  return (schema as unknown as { _zod: { def: ZodDefView } })._zod.def;
}

/** Strips optional/default/nullable/pipe wrappers. */
function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (let i = 0; i < 16; i++) {
    const d = defOf(s);
    if (d.innerType) s = d.innerType;
    else if (d.type === "pipe" && d.in) s = d.in;
    else break;
  }
  return s;
}

function normalise(name: string): string {
  return name.replace(/_/g, "").toLowerCase();
}

/** Maps env segments (`RPC_URL`, `HTTP`) onto the schema's real key names (`rpcUrl`, `http`). */
function resolveKeyPath(schema: z.ZodType, segments: string[]): string[] {
  const out: string[] = [];
  let cur: z.ZodType | undefined = schema;
  for (const seg of segments) {
    const shape: Record<string, z.ZodType> | undefined = cur ? defOf(unwrap(cur)).shape : undefined;
    const match: string | undefined = shape
      ? Object.keys(shape).find((k) => normalise(k) === normalise(seg))
      : undefined;
    const key = match ?? seg.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
    out.push(key);
    cur = shape && match ? shape[match] : undefined;
  }
  return out;
}

/** The shortest prefix of `p` that leaves the schema's known object keys, or undefined if all are known. */
function firstUnknown(schema: z.ZodType, p: readonly string[]): string[] | undefined {
  let cur: z.ZodType | undefined = schema;
  for (let i = 0; i < p.length; i++) {
    const shape: Record<string, z.ZodType> | undefined = cur ? defOf(unwrap(cur)).shape : undefined;
    if (!shape) return undefined; // records, arrays, scalars: not checked here
    const next: z.ZodType | undefined = shape[p[i] as string];
    if (!next) return p.slice(0, i + 1);
    cur = next;
  }
  return undefined;
}

function schemaAt(schema: z.ZodType, p: readonly string[]): z.ZodType | undefined {
  let cur: z.ZodType | undefined = schema;
  for (const k of p) {
    if (!cur) return undefined;
    cur = defOf(unwrap(cur)).shape?.[k];
  }
  return cur ? unwrap(cur) : undefined;
}

/** Turns an environment string into the type the schema expects; leaves it alone when it does not fit. */
function coerce(raw: string, target: z.ZodType | undefined): unknown {
  if (!target) return raw;
  const type = defOf(target).type;
  const s = raw.trim();
  switch (type) {
    case "number": {
      const n = s === "" ? NaN : Number(s);
      return Number.isFinite(n) ? n : raw;
    }
    case "boolean": {
      const l = s.toLowerCase();
      if (["true", "1", "yes", "on"].includes(l)) return true;
      if (["false", "0", "no", "off"].includes(l)) return false;
      return raw;
    }
    case "bigint":
      try {
        return BigInt(s);
      } catch {
        return raw;
      }
    case "array":
    case "object":
    case "record":
      try {
        return JSON.parse(s) as Json;
      } catch {
        return raw;
      }
    default:
      return raw;
  }
}
