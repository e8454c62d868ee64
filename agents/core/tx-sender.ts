/**
 * The transaction sender: one per key. It simulates every call first (a revert surfaces, decoded, before any
 * gas is spent), estimates gas with a margin, assigns nonces locally under a mutex (concurrent sends never
 * share a nonce; on a nonce error it resyncs from the pending count and retries), replaces a transaction that
 * is not mined within `replaceAfterMs` with the same nonce and bumped fees, and waits for the receipt with
 * the configured confirmations.
 */
import {
  BaseError,
  ContractFunctionRevertedError,
  Eip1559FeesNotSupportedError,
  decodeErrorResult,
  encodeFunctionData,
  type Abi,
  type Address,
  type Hex,
  type LocalAccount,
  type PublicClient,
  type TransactionReceipt,
} from "viem";
import type { Logger } from "pino";

type AbiError = Extract<Abi[number], { type: "error" }>;
import { ContractRevertError, TransactionRevertedError, TransactionTimeoutError } from "./errors.js";
import type { AgentMetrics } from "./metrics.js";

/** Options of {@link createTxSender}. */
export interface CreateTxSenderOptions {
  publicClient: PublicClient;
  /** A local account (`privateKeyToAccount`): transactions are signed here and sent raw. */
  account: LocalAccount;
  /** Extra ABIs whose errors may appear in reverts (libraries, called contracts). */
  errorAbis?: readonly Abi[];
  /** Gas limit = estimate × (100 + margin) / 100 (default 20). */
  gasMarginPercent?: number;
  /** Confirmations to wait for (default 1 = mined). */
  confirmations?: number;
  /** Replace a transaction not mined after this long, ms (default 60000). */
  replaceAfterMs?: number;
  /** Fee bump per replacement, percent (default 15; nodes require at least 10). */
  feeBumpPercent?: number;
  /** Replacements before giving up on bumping (default 5). */
  maxReplacements?: number;
  /** Overall time to wait for a receipt, ms (default 600000). */
  timeoutMs?: number;
  /** Receipt polling interval, ms (default 1000). */
  pollIntervalMs?: number;
  logger?: Logger;
  metrics?: AgentMetrics;
  /** Called after each broadcast (the first one and every replacement). */
  onSent?: (info: { hash: Hex; nonce: number; replacement: boolean }) => void;
}

/** A plain transaction request. */
export interface SendTransactionParameters {
  to: Address;
  data?: Hex;
  value?: bigint;
  /** Skip estimation and use this gas limit. */
  gas?: bigint;
  /** ABI for decoding a revert of this call. */
  abi?: Abi;
}

/** A contract write. */
export interface WriteContractParameters {
  address: Address;
  abi: Abi;
  functionName: string;
  args?: readonly unknown[];
  value?: bigint;
  gas?: bigint;
}

/** The outcome of a send. */
export interface TxResult {
  hash: Hex;
  nonce: number;
  receipt: TransactionReceipt;
  /** Every hash broadcast for this nonce (the first, then replacements). */
  hashes: Hex[];
}

/** The sender of one key. */
export interface TxSender {
  readonly address: Address;
  writeContract(p: WriteContractParameters): Promise<TxResult>;
  sendTransaction(p: SendTransactionParameters): Promise<TxResult>;
  /** Simulates a write; throws {@link ContractRevertError} if it would revert. */
  simulate(p: WriteContractParameters): Promise<void>;
  /** Forgets the local nonce; the next send reads `getTransactionCount(pending)`. */
  resyncNonce(): void;
}

const NONCE_ERROR = /nonce too low|nonce too high|invalid nonce|nonce has already been used|expected nonce/i;

function formatArg(v: unknown): string {
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "string") return v.startsWith("0x") ? v : JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(formatArg).join(", ")}]`;
  if (v && typeof v === "object") {
    return `{${Object.entries(v)
      .map(([k, x]) => `${k}: ${formatArg(x)}`)
      .join(", ")}}`;
  }
  return String(v);
}

/** Formats `Name(a=1, b=2)` (positional `Name(1, 2)` for unnamed parameters). */
export function formatRevert(errorName: string, abiItem: AbiError | undefined, args: readonly unknown[]): string {
  const parts = args.map((a, i) => {
    const n = abiItem?.inputs[i]?.name;
    return n ? `${n}=${formatArg(a)}` : formatArg(a);
  });
  return `${errorName}(${parts.join(", ")})`;
}

function findRevertData(err: unknown): Hex | undefined {
  let cur: unknown = err;
  for (let i = 0; i < 12 && cur; i++) {
    const d = (cur as { data?: unknown }).data;
    if (typeof d === "string" && d.startsWith("0x")) return d as Hex;
    if (d && typeof d === "object" && typeof (d as { data?: unknown }).data === "string") {
      return (d as { data: Hex }).data;
    }
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Turns a viem call/simulation failure into a {@link ContractRevertError} when it is a revert; returns
 * undefined otherwise (network errors and the like stay as they are).
 */
export function decodeRevert(
  err: unknown,
  abis: readonly Abi[],
  target: { address?: Address; functionName?: string } = {},
): ContractRevertError | undefined {
  const reverted =
    err instanceof BaseError
      ? (err.walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null)
      : null;
  const raw = reverted?.raw ?? findRevertData(err);
  const combined = abis.flat() as Abi;
  let errorName: string | undefined;
  let args: readonly unknown[] = [];
  let abiItem: AbiError | undefined;
  if (reverted?.data) {
    errorName = reverted.data.errorName;
    args = (reverted.data.args ?? []) as readonly unknown[];
    abiItem = reverted.data.abiItem as AbiError;
  } else if (raw && raw !== "0x") {
    try {
      const d = decodeErrorResult({ abi: combined, data: raw });
      errorName = d.errorName;
      args = (d.args ?? []) as readonly unknown[];
      abiItem = d.abiItem as AbiError;
    } catch {
      errorName = undefined;
    }
  }
  if (!reverted && !raw) {
    const msg = err instanceof Error ? err.message : "";
    if (!/revert/i.test(msg)) return undefined;
  }
  const namedArgs: Record<string, unknown> = {};
  abiItem?.inputs.forEach((input, i) => {
    if (input.name) namedArgs[input.name] = args[i];
  });
  const signature = errorName
    ? formatRevert(errorName, abiItem, args)
    : `reverted${raw && raw !== "0x" ? ` with unknown data ${raw}` : " without data"}`;
  return new ContractRevertError({
    errorName,
    args,
    namedArgs,
    data: raw,
    address: target.address,
    functionName: target.functionName,
    signature,
    cause: err,
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Creates the sender for `account`. */
export function createTxSender(options: CreateTxSenderOptions): TxSender {
  const { publicClient: client, account, logger, metrics } = options;
  const margin = BigInt(options.gasMarginPercent ?? 20);
  const confirmations = options.confirmations ?? 1;
  const replaceAfterMs = options.replaceAfterMs ?? 60_000;
  const bump = BigInt(Math.max(10, options.feeBumpPercent ?? 15));
  const maxReplacements = options.maxReplacements ?? 5;
  const timeoutMs = options.timeoutMs ?? 600_000;
  const pollMs = options.pollIntervalMs ?? 1000;
  const errorAbis = options.errorAbis ?? [];
  const log = logger?.child({ component: "tx-sender", account: account.address });

  let nextNonce: number | undefined;
  let lock: Promise<void> = Promise.resolve();
  let chainId: number | undefined;

  /** Runs `fn` alone: sends are serialised so nonces are assigned in order. */
  const exclusive = async <T>(fn: () => Promise<T>): Promise<T> => {
    const prev = lock;
    let release!: () => void;
    lock = new Promise((r) => (release = r));
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  };

  const pendingNonce = () => client.getTransactionCount({ address: account.address, blockTag: "pending" });

  /** EIP-1559 fees, or a legacy gas price on chains without a base fee. */
  type Fees = { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | { gasPrice: bigint };

  const currentFees = async (): Promise<Fees> => {
    try {
      const f = await client.estimateFeesPerGas();
      return { maxFeePerGas: f.maxFeePerGas, maxPriorityFeePerGas: f.maxPriorityFeePerGas };
    } catch (err) {
      if (!(err instanceof BaseError && err.walk((e) => e instanceof Eip1559FeesNotSupportedError))) throw err;
      return { gasPrice: await client.getGasPrice() };
    }
  };

  const max = (a: bigint, b: bigint) => (a > b ? a : b);
  const bumped = (x: bigint) => (x * (100n + bump) + 99n) / 100n;

  /** Fees for a replacement: the old ones bumped by `bump` percent, or the current market if higher. */
  const bumpFees = (old: Fees, current: Fees): Fees => {
    if ("gasPrice" in old)
      return { gasPrice: max(bumped(old.gasPrice), "gasPrice" in current ? current.gasPrice : 0n) };
    const cur = "gasPrice" in current ? undefined : current;
    const next = {
      maxFeePerGas: max(bumped(old.maxFeePerGas), cur?.maxFeePerGas ?? 0n),
      maxPriorityFeePerGas: max(bumped(old.maxPriorityFeePerGas), cur?.maxPriorityFeePerGas ?? 0n),
    };
    if (next.maxPriorityFeePerGas > next.maxFeePerGas) next.maxFeePerGas = next.maxPriorityFeePerGas;
    return next;
  };

  const sign = async (req: { to: Address; data?: Hex; value?: bigint; gas: bigint; nonce: number; fees: Fees }) => {
    chainId ??= client.chain?.id ?? (await client.getChainId());
    const common = { chainId, to: req.to, data: req.data, value: req.value, gas: req.gas, nonce: req.nonce };
    if ("gasPrice" in req.fees)
      return account.signTransaction({ ...common, type: "legacy", gasPrice: req.fees.gasPrice });
    return account.signTransaction({
      ...common,
      type: "eip1559",
      maxFeePerGas: req.fees.maxFeePerGas,
      maxPriorityFeePerGas: req.fees.maxPriorityFeePerGas,
    });
  };

  const simulateCall = async (p: { to: Address; data?: Hex; value?: bigint }, abi: Abi | undefined, fn?: string) => {
    try {
      await client.call({ account: account.address, to: p.to, data: p.data, value: p.value });
    } catch (err) {
      const decoded = decodeRevert(err, abi ? [abi, ...errorAbis] : errorAbis, { address: p.to, functionName: fn });
      throw decoded ?? err;
    }
  };

  const estimate = async (p: SendTransactionParameters, fn?: string): Promise<bigint> => {
    if (p.gas !== undefined) return p.gas;
    try {
      const g = await client.estimateGas({ account: account.address, to: p.to, data: p.data, value: p.value });
      return (g * (100n + margin)) / 100n;
    } catch (err) {
      const abis = p.abi ? [p.abi, ...errorAbis] : errorAbis;
      throw decodeRevert(err, abis, { address: p.to, functionName: fn }) ?? err;
    }
  };

  const waitReceipt = async (
    p: SendTransactionParameters,
    gas: bigint,
    nonce: number,
    firstHash: Hex,
    firstFees: Fees,
    fn?: string,
  ): Promise<TxResult> => {
    const hashes: Hex[] = [firstHash];
    let fees = firstFees;
    const started = Date.now();
    let lastSent = started;
    let replacements = 0;
    for (;;) {
      for (const h of [...hashes].reverse()) {
        let receipt: TransactionReceipt | undefined;
        try {
          receipt = await client.getTransactionReceipt({ hash: h });
        } catch {
          receipt = undefined;
        }
        if (!receipt) continue;
        while (confirmations > 1) {
          const head = await client.getBlockNumber({ cacheTime: 0 });
          if (head - receipt.blockNumber + 1n >= BigInt(confirmations)) break;
          await sleep(pollMs);
        }
        if (receipt.status === "reverted") {
          let cause: unknown;
          try {
            await client.call({
              account: account.address,
              to: p.to,
              data: p.data,
              value: p.value,
              blockNumber: receipt.blockNumber - 1n,
            });
          } catch (err) {
            cause = decodeRevert(err, p.abi ? [p.abi, ...errorAbis] : errorAbis, { address: p.to, functionName: fn });
          }
          throw new TransactionRevertedError(h, receipt.blockNumber, { cause });
        }
        log?.debug({ hash: h, nonce, block_number: receipt.blockNumber }, "transaction mined");
        return { hash: h, nonce, receipt, hashes };
      }
      const now = Date.now();
      if (now - started > timeoutMs) {
        // The nonce may have been dropped by the pool: relearn it rather than send behind a gap forever.
        nextNonce = undefined;
        throw new TransactionTimeoutError(nonce, hashes, timeoutMs);
      }
      if (now - lastSent >= replaceAfterMs && replacements < maxReplacements) {
        const current = await currentFees().catch(() => fees);
        const next = bumpFees(fees, current);
        try {
          const raw = await sign({ ...p, gas, nonce, fees: next });
          const h = await client.sendRawTransaction({ serializedTransaction: raw });
          hashes.push(h);
          fees = next;
          replacements++;
          metrics?.txsSent.inc({ kind: "replacement" });
          options.onSent?.({ hash: h, nonce, replacement: true });
          log?.warn(
            { nonce, hash: h, replaces: hashes[hashes.length - 2], attempt: replacements },
            "transaction replaced",
          );
        } catch (err) {
          // The original may have been mined meanwhile (nonce too low / already known): keep polling.
          log?.warn({ err, nonce }, "replacement not accepted");
        }
        lastSent = Date.now();
      }
      await sleep(pollMs);
    }
  };

  const send = async (p: SendTransactionParameters, fn?: string): Promise<TxResult> => {
    const abis = p.abi ? [p.abi, ...errorAbis] : errorAbis;
    await simulateCall(p, p.abi, fn);
    const gas = await estimate(p, fn);
    const { nonce, hash, fees } = await exclusive(async () => {
      for (let attempt = 0; ; attempt++) {
        const n = nextNonce ?? (await pendingNonce());
        const fees = await currentFees();
        try {
          const raw = await sign({ ...p, gas, nonce: n, fees });
          const h = await client.sendRawTransaction({ serializedTransaction: raw });
          nextNonce = n + 1;
          metrics?.txsSent.inc({ kind: "new" });
          options.onSent?.({ hash: h, nonce: n, replacement: false });
          log?.debug({ nonce: n, hash: h, to: p.to, fn }, "transaction sent");
          return { nonce: n, hash: h, fees };
        } catch (err) {
          nextNonce = undefined;
          const message = err instanceof Error ? err.message : String(err);
          if (NONCE_ERROR.test(message) && attempt < 3) {
            log?.warn({ nonce: n, attempt }, "nonce rejected, resyncing from the pending count");
            continue;
          }
          throw decodeRevert(err, abis, { address: p.to, functionName: fn }) ?? err;
        }
      }
    });
    return waitReceipt(p, gas, nonce, hash, fees, fn);
  };

  return {
    address: account.address,
    sendTransaction: (p) => send(p),
    writeContract: (p) => {
      const data = encodeFunctionData({ abi: p.abi, functionName: p.functionName, args: p.args ?? [] });
      return send({ to: p.address, data, value: p.value, gas: p.gas, abi: p.abi }, p.functionName);
    },
    simulate: async (p) => {
      const data = encodeFunctionData({ abi: p.abi, functionName: p.functionName, args: p.args ?? [] });
      await simulateCall({ to: p.address, data, value: p.value }, p.abi, p.functionName);
    },
    resyncNonce: () => {
      nextNonce = undefined;
    },
  };
}
