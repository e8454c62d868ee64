/**
 * `zg inft`: ERC-7857 intelligent NFTs from the command line: mint an encrypted agent, move or clone it through
 * the re-encryption oracle, authorize executors, inspect and decrypt. See docs/inft-oracle.md.
 *
 * Keys: `--key <hex>` or $ZG_INFT_KEY (prefer the environment: command lines are visible to other users).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { bytesToHex, getAddress, hexToBytes, isAddress, isHex, stringToHex, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { readAddressBook, type AddressBook } from "../../core/address-book";
import { createClients } from "../../core/chain";
import { AgentNFTAbi } from "../../generated/abis";
import { OracleClient } from "../../oracle/client";
import { devnetStoreSpec } from "../../oracle/devnet";
import type { UploadChain } from "../../storage-node/client";
import {
  acknowledgeClaim,
  decryptToken,
  Keyring,
  mintEncryptedAgent,
  openTokenKey,
  requestReencryption,
  submitClaim,
} from "../../oracle/owner";
import { claimFromWire, prepareResultSchema, type PrepareResult } from "../../oracle/protocol";
import { openCiphertextStore } from "../../oracle/store";
import { getCompressedPublicKey, INFT_ACTIONS, toCompressedPublicKey, type InftAction } from "../../protocol/inft";
import { projectRoot } from "../root";

/** Where output goes (tests capture it). */
export interface InftIo {
  log(line: string): void;
  write(data: Uint8Array): void;
  env: NodeJS.ProcessEnv;
}

const defaultIo: InftIo = {
  log: (line) => console.log(line),
  write: (data) => process.stdout.write(data),
  env: process.env,
};

interface CommonOpts {
  addressBook?: string;
  store?: string;
  keyring?: string;
  oracle?: string;
  key?: string;
  json?: boolean;
}

/** A pending transfer/clone: what the oracle returned plus, once given, the receiver's acknowledgment. */
interface Package {
  kind: "zg-inft-package/v1";
  chainId: number;
  agentNFT: Address;
  result: PrepareResult;
  receiverSignature?: Hex;
}

function parseId(value: string): bigint {
  if (!/^[0-9]+$/.test(value)) throw new InvalidArgumentError(`not a token id: ${value}`);
  return BigInt(value);
}

function parseAddress(value: string): Address {
  if (!isAddress(value, { strict: false })) throw new InvalidArgumentError(`not an address: ${value}`);
  return getAddress(value);
}

function parsePubKey(value: string): Hex {
  if (!isHex(value)) throw new InvalidArgumentError(`not hex: ${value}`);
  try {
    toCompressedPublicKey(hexToBytes(value));
  } catch {
    throw new InvalidArgumentError(`not a secp256k1 public key (33, 64 or 65 bytes): ${value}`);
  }
  return value.toLowerCase() as Hex;
}

function parseKey(value: string): Hex {
  if (!/^0x[0-9a-fA-F]{64}$/.test(value)) throw new InvalidArgumentError("a private key is 0x + 64 hex digits");
  return value as Hex;
}

/** `--expires`: unix seconds, or a duration from now (`90m`, `12h`, `30d`). */
export function parseExpiry(value: string, now = Math.floor(Date.now() / 1000)): bigint {
  const m = /^([0-9]+)([smhd]?)$/.exec(value);
  if (!m) throw new InvalidArgumentError(`expected unix seconds or a duration like 30d: ${value}`);
  const n = Number(m[1]);
  const unit = { "": 0, s: 1, m: 60, h: 3600, d: 86_400 }[m[2] as "" | "s" | "m" | "h" | "d"];
  return BigInt(unit === 0 ? n : now + n * unit);
}

function parsePositive(value: string): bigint {
  if (!/^[1-9][0-9]*$/.test(value)) throw new InvalidArgumentError(`expected a positive integer: ${value}`);
  return BigInt(value);
}

function common(cmd: Command, withKey: boolean): Command {
  cmd
    .option("--address-book <file>", "address book (default: deployments/localhost.json)")
    .option(
      "--store <spec>",
      "ciphertext store: zgs:<node url>[,…] or file:<dir> (default: $ZG_INFT_STORE, else the devnet's storage node)",
    )
    .option(
      "--keyring <file>",
      "sealed keys of tokens you minted (default: $ZG_INFT_KEYRING or ~/.zg/inft-keyring.json)",
    )
    .option("--json", "print JSON");
  if (withKey) cmd.addOption(new Option("--key <hex>", "your private key (default: $ZG_INFT_KEY)").argParser(parseKey));
  return cmd;
}

class Ctx {
  readonly book: AddressBook;
  readonly agentNFT: Address;
  constructor(
    readonly o: CommonOpts,
    readonly io: InftIo,
  ) {
    this.book = readAddressBook(o.addressBook ?? path.join(projectRoot(), "deployments", "localhost.json"));
    const nft = this.book.contracts.AgentNFT;
    if (!nft) throw new Error("the address book has no AgentNFT contract");
    this.agentNFT = nft;
  }
  get chainId() {
    return this.book.chainId;
  }
  clients(key?: Hex) {
    return createClients({
      rpcUrl: this.book.rpcUrl,
      chainId: this.book.chainId,
      privateKey: key,
      pollingIntervalMs: 200,
    });
  }
  get publicClient() {
    return this.clients().publicClient;
  }
  key(): Hex {
    const k = this.o.key ?? this.io.env.ZG_INFT_KEY;
    if (!k) throw new Error("no key: pass --key or set ZG_INFT_KEY");
    return parseKey(k);
  }
  wallet(key = this.key()) {
    const c = this.clients(key);
    if (!c.walletClient) throw new Error("no wallet");
    return c.walletClient;
  }
  /** The ciphertext store; uploads to a `zgs:` store are paid from the command's key (when it has one). */
  store() {
    const spec = this.o.store ?? this.io.env.ZG_INFT_STORE ?? devnetStoreSpec(this.book, projectRoot());
    const flowAddress = this.book.contracts.Flow;
    return openCiphertextStore(spec, {
      chain: () => {
        if (!flowAddress) throw new Error("a zgs: store needs contracts.Flow in the address book");
        const c = this.clients(this.key());
        if (!c.walletClient) throw new Error("no wallet");
        return { publicClient: c.publicClient, walletClient: c.walletClient, flowAddress } as UploadChain;
      },
    });
  }
  keyring() {
    return new Keyring(
      this.o.keyring ?? this.io.env.ZG_INFT_KEYRING ?? path.join(os.homedir(), ".zg", "inft-keyring.json"),
    );
  }
  oracle() {
    const url = this.o.oracle ?? this.book.agents.oracle;
    if (!url) throw new Error("no oracle URL: pass --oracle or run the devnet (address book agents.oracle)");
    return new OracleClient(url);
  }
  ref() {
    return { publicClient: this.publicClient, chainId: this.chainId, agentNFT: this.agentNFT };
  }
  print(json: unknown, lines: string[]) {
    if (this.o.json)
      this.io.log(JSON.stringify(json, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2));
    else for (const l of lines) this.io.log(l);
  }
}

/**
 * The `zg inft` command group. `throwOnError` makes commander throw instead of exiting (in-process callers).
 */
export function inftCommand(io: InftIo = defaultIo, options: { throwOnError?: boolean } = {}): Command {
  const inft = new Command("inft").description(
    "ERC-7857 intelligent NFTs: encrypted agents that move only together with an oracle re-encryption",
  );

  common(
    inft
      .command("mint")
      .description("encrypt a file (AES-256-GCM, fresh key), store it, mint it, and keep its key sealed to the owner")
      .argument("<file>", "the agent's metadata (weights, prompts, memory...)")
      .option("--to <address>", "first owner (default: the --key account)", parseAddress)
      .option("--to-pubkey <hex>", "the owner's public key, needed when --to is not the --key account", parsePubKey)
      .addOption(new Option("--minter-key <hex>", "key holding MINTER_ROLE (default: --key)").argParser(parseKey)),
    true,
  ).action(async (file: string, o: CommonOpts & { to?: Address; toPubkey?: Hex; minterKey?: Hex }) => {
    const c = new Ctx(o, io);
    const key = c.key();
    const me = privateKeyToAccount(key);
    const owner = o.to ?? me.address;
    let ownerPublicKey: Uint8Array;
    if (o.toPubkey) ownerPublicKey = hexToBytes(o.toPubkey);
    else if (owner === me.address) ownerPublicKey = getCompressedPublicKey(hexToBytes(key));
    else throw new Error("--to-pubkey is required when --to is another account");
    const minted = await mintEncryptedAgent({
      ...c.ref(),
      minter: c.wallet(o.minterKey ?? key),
      store: c.store(),
      plaintext: new Uint8Array(fs.readFileSync(file)),
      owner,
      ownerPublicKey,
      keyring: c.keyring(),
    });
    c.print(minted, [
      `minted token ${minted.tokenId} to ${owner}`,
      `  uri   ${minted.uri}`,
      `  hash  ${minted.dataHash}`,
      `  tx    ${minted.txHash}`,
      `  data key sealed to the owner's public key, kept in ${c.keyring().file}`,
    ]);
  });

  for (const [name, action] of [
    ["transfer", INFT_ACTIONS.Transfer],
    ["clone", INFT_ACTIONS.Clone],
  ] as const) {
    common(
      inft
        .command(name)
        .description(
          name === "transfer"
            ? "move a token to a new owner: the oracle re-encrypts its metadata under a fresh key sealed to --to-pubkey"
            : "mint a copy of a token for --to, re-encrypted under a fresh key sealed to --to-pubkey",
        )
        .argument("<id>", "token id", parseId)
        .requiredOption("--to <address>", "the receiver", parseAddress)
        .requiredOption("--to-pubkey <hex>", "the receiver's secp256k1 public key (`zg inft pubkey`)", parsePubKey)
        .option("--oracle <url>", "oracle base URL (default: the address book's agents.oracle)")
        .option("--out <file>", "write the package here for the receiver (default: inft-<action>-<id>.json)")
        .option("--receiver-signature <hex>", "the receiver's acknowledgment, when you already have it")
        .addOption(
          new Option("--receiver-key <hex>", "acknowledge as the receiver here (when you hold its key)").argParser(
            parseKey,
          ),
        ),
      true,
    ).action(
      async (
        id: bigint,
        o: CommonOpts & { to: Address; toPubkey: Hex; out?: string; receiverSignature?: Hex; receiverKey?: Hex },
      ) => {
        const c = new Ctx(o, io);
        const key = c.key();
        const dataKey = await openTokenKey({
          ...c.ref(),
          tokenId: id,
          secretKey: hexToBytes(key),
          keyring: c.keyring(),
        });
        const result = await requestReencryption({
          ...c.ref(),
          oracle: c.oracle(),
          requester: privateKeyToAccount(key),
          tokenId: id,
          action: action as InftAction,
          to: o.to,
          receiverPubKey: o.toPubkey,
          dataKey,
        });
        let receiverSignature = o.receiverSignature as Hex | undefined;
        if (!receiverSignature && o.receiverKey) {
          receiverSignature = await acknowledgeClaim({
            chainId: c.chainId,
            agentNFT: c.agentNFT,
            result,
            account: privateKeyToAccount(o.receiverKey),
            secretKey: hexToBytes(o.receiverKey),
            store: c.store(),
          });
        }
        const pkg: Package = { kind: "zg-inft-package/v1", chainId: c.chainId, agentNFT: c.agentNFT, result };
        if (!receiverSignature) {
          const out = o.out ?? `inft-${name}-${id}.json`;
          fs.writeFileSync(out, JSON.stringify(pkg, null, 2));
          c.print({ package: out, claim: result.claim }, [
            `oracle prepared the ${name} of token ${id} to ${o.to}; deadline ${result.claim.deadline} (unix s)`,
            `  package ${out}`,
            `  next: the receiver runs  zg inft accept ${out} --key <receiver key>`,
            `  then you run             zg inft submit ${out} --key <your key>`,
          ]);
          return;
        }
        const sent = await submitClaim({
          publicClient: c.publicClient,
          wallet: c.wallet(key),
          agentNFT: c.agentNFT,
          result,
          receiverSignature,
        });
        c.print({ txHash: sent.txHash, newTokenId: sent.newTokenId, claim: result.claim }, [
          name === "clone"
            ? `cloned token ${id} to ${o.to} as token ${sent.newTokenId}`
            : `transferred token ${id} to ${o.to}`,
          `  new uri  ${result.claim.newURI}`,
          `  new hash ${result.claim.newDataHash}`,
          `  tx       ${sent.txHash}`,
        ]);
      },
    );
  }

  common(
    inft
      .command("rotate")
      .description("re-encrypt your token under a fresh key through the oracle (do it after receiving a token)")
      .argument("<id>", "token id", parseId)
      .option("--oracle <url>", "oracle base URL (default: the address book's agents.oracle)"),
    true,
  ).action(async (id: bigint, o: CommonOpts) => {
    const c = new Ctx(o, io);
    const key = c.key();
    const me = privateKeyToAccount(key);
    const secretKey = hexToBytes(key);
    const dataKey = await openTokenKey({ ...c.ref(), tokenId: id, secretKey, keyring: c.keyring() });
    const result = await requestReencryption({
      ...c.ref(),
      oracle: c.oracle(),
      requester: me,
      tokenId: id,
      action: INFT_ACTIONS.Rotate,
      to: me.address,
      receiverPubKey: bytesToHex(getCompressedPublicKey(secretKey)),
      dataKey,
    });
    const receiverSignature = await acknowledgeClaim({
      chainId: c.chainId,
      agentNFT: c.agentNFT,
      result,
      account: me,
      secretKey,
      store: c.store(),
    });
    const sent = await submitClaim({
      publicClient: c.publicClient,
      wallet: c.wallet(key),
      agentNFT: c.agentNFT,
      result,
      receiverSignature,
    });
    c.print({ txHash: sent.txHash, claim: result.claim }, [
      `rotated the key of token ${id}`,
      `  new uri  ${result.claim.newURI}`,
      `  new hash ${result.claim.newDataHash}`,
      `  tx       ${sent.txHash}`,
    ]);
  });

  common(
    inft
      .command("accept")
      .description("as the receiver: check a package (the sealed key opens, the new ciphertext decrypts) and sign it")
      .argument("<package>", "file written by `zg inft transfer|clone`"),
    true,
  ).action(async (file: string, o: CommonOpts) => {
    const c = new Ctx(o, io);
    const pkg = readPackage(file);
    const key = c.key();
    pkg.receiverSignature = await acknowledgeClaim({
      chainId: pkg.chainId,
      agentNFT: pkg.agentNFT,
      result: pkg.result,
      account: privateKeyToAccount(key),
      secretKey: hexToBytes(key),
      store: c.store(),
    });
    fs.writeFileSync(file, JSON.stringify(pkg, null, 2));
    c.print({ receiverSignature: pkg.receiverSignature }, [
      `acknowledged: the new ciphertext opens with your key; signature written to ${file}`,
    ]);
  });

  common(
    inft
      .command("submit")
      .description("as the owner: send the transfer/clone of an acknowledged package")
      .argument("<package>", "file written by `zg inft transfer|clone` and signed by `zg inft accept`"),
    true,
  ).action(async (file: string, o: CommonOpts) => {
    const c = new Ctx(o, io);
    const pkg = readPackage(file);
    if (!pkg.receiverSignature) throw new Error(`${file} has no receiver signature yet: run zg inft accept first`);
    const sent = await submitClaim({
      publicClient: c.publicClient,
      wallet: c.wallet(),
      agentNFT: pkg.agentNFT,
      result: pkg.result,
      receiverSignature: pkg.receiverSignature,
    });
    const claim = claimFromWire(pkg.result.claim);
    c.print({ txHash: sent.txHash, newTokenId: sent.newTokenId }, [
      `${claim.action === INFT_ACTIONS.Clone ? `cloned as token ${sent.newTokenId}` : "transferred"}: tx ${sent.txHash}`,
    ]);
  });

  common(
    inft
      .command("authorize")
      .description("let an executor run the agent until --expires for at most --max-requests requests")
      .argument("<id>", "token id", parseId)
      .argument("<executor>", "the executor's address", parseAddress)
      .option("--expires <when>", "unix seconds or a duration from now (90m, 12h, 30d)", "30d")
      .requiredOption("--max-requests <n>", "request cap", parsePositive)
      .option("--permissions <text>", "scope, e.g. JSON of allowed operations", "{}"),
    true,
  ).action(
    async (
      id: bigint,
      executor: Address,
      o: CommonOpts & { expires: string; maxRequests: bigint; permissions: string },
    ) => {
      const c = new Ctx(o, io);
      const expiresAt = parseExpiry(o.expires);
      const wallet = c.wallet();
      const { request } = await c.publicClient.simulateContract({
        account: wallet.account,
        address: c.agentNFT,
        abi: AgentNFTAbi,
        functionName: "authorizeUsage",
        args: [id, executor, stringToHex(o.permissions), expiresAt, o.maxRequests],
      });
      const hash = await wallet.writeContract(request);
      await c.publicClient.waitForTransactionReceipt({ hash });
      c.print({ txHash: hash, expiresAt, maxRequests: o.maxRequests }, [
        `authorized ${executor} on token ${id} until ${expiresAt} for ${o.maxRequests} requests (tx ${hash})`,
      ]);
    },
  );

  common(
    inft
      .command("revoke")
      .description("revoke an executor's authorization")
      .argument("<id>", "token id", parseId)
      .argument("<executor>", "the executor's address", parseAddress),
    true,
  ).action(async (id: bigint, executor: Address, o: CommonOpts) => {
    const c = new Ctx(o, io);
    const wallet = c.wallet();
    const { request } = await c.publicClient.simulateContract({
      account: wallet.account,
      address: c.agentNFT,
      abi: AgentNFTAbi,
      functionName: "revokeAuthorization",
      args: [id, executor],
    });
    const hash = await wallet.writeContract(request);
    await c.publicClient.waitForTransactionReceipt({ hash });
    c.print({ txHash: hash }, [`revoked ${executor} on token ${id} (tx ${hash})`]);
  });

  common(
    inft
      .command("show")
      .description("owner, metadata hash and URI, executors of a token")
      .argument("<id>", "token id", parseId),
    false,
  ).action(async (id: bigint, o: CommonOpts) => {
    const c = new Ctx(o, io);
    const base = { address: c.agentNFT, abi: AgentNFTAbi, args: [id] } as const;
    const pc = c.publicClient;
    const [owner, hash, uri, executors] = await Promise.all([
      pc.readContract({ ...base, functionName: "ownerOf" }),
      pc.readContract({ ...base, functionName: "getMetadataHash" }),
      pc.readContract({ ...base, functionName: "getEncryptedURI" }),
      pc.readContract({ ...base, functionName: "authorizedUsersOf" }),
    ]);
    const terms = await Promise.all(
      executors.map(async (e) => ({
        executor: e,
        ...(await c.publicClient.readContract({
          address: c.agentNFT,
          abi: AgentNFTAbi,
          functionName: "getAuthorization",
          args: [id, e],
        })),
      })),
    );
    c.print({ tokenId: id, owner, metadataHash: hash, encryptedURI: uri, executors: terms }, [
      `token ${id}`,
      `  owner  ${owner}`,
      `  hash   ${hash}`,
      `  uri    ${uri}`,
      ...(terms.length
        ? terms.map(
            (t) => `  executor ${t.executor} until ${t.expiresAt}, ${t.usedRequests}/${t.maxRequests} requests used`,
          )
        : ["  executors (none)"]),
    ]);
  });

  common(
    inft
      .command("decrypt")
      .description("decrypt a token's current metadata with its owner's key")
      .argument("<id>", "token id", parseId)
      .option("--out <file>", "write the plaintext here (default: stdout)"),
    true,
  ).action(async (id: bigint, o: CommonOpts & { out?: string }) => {
    const c = new Ctx(o, io);
    const plain = await decryptToken({
      ...c.ref(),
      tokenId: id,
      secretKey: hexToBytes(c.key()),
      store: c.store(),
      keyring: c.keyring(),
    });
    if (o.out) {
      fs.writeFileSync(o.out, plain);
      c.print({ out: o.out, bytes: plain.length }, [`wrote ${plain.length} bytes to ${o.out}`]);
    } else io.write(plain);
  });

  inft
    .command("pubkey")
    .description("print the compressed secp256k1 public key of a private key (what --to-pubkey expects)")
    .addOption(new Option("--key <hex>", "the private key (default: $ZG_INFT_KEY)").argParser(parseKey))
    .action((o: { key?: Hex }) => {
      const key = o.key ?? io.env.ZG_INFT_KEY;
      if (!key) throw new Error("no key: pass --key or set ZG_INFT_KEY");
      io.log(bytesToHex(getCompressedPublicKey(hexToBytes(parseKey(key)))));
    });

  if (options.throwOnError) {
    for (const c of [inft, ...inft.commands]) {
      c.exitOverride().configureOutput({ writeOut: (t) => io.log(t.trimEnd()), writeErr: (t) => io.log(t.trimEnd()) });
    }
  }
  return inft;
}

function readPackage(file: string): Package {
  const raw = JSON.parse(fs.readFileSync(file, "utf8")) as Package;
  if (raw.kind !== "zg-inft-package/v1") throw new Error(`${file} is not a zg inft package`);
  return { ...raw, result: prepareResultSchema.parse(raw.result) };
}
