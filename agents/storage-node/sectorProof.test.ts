/**
 * zgs_getSectorProof: proofs of flow sectors (file data, file padding, alignment gaps, the reserved leaf) checked with
 * the project's merkle verifier against an independently materialised flow tree (unit), and end to end against the
 * Flow contract's own roots (`getFlowRootByTxSeq`) on a real node with uploaded files; every bad input gives a JSON-RPC
 * error naming the value.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FlowAbi } from "../generated/abis";
import {
  ZERO_HASH,
  computeFileMerkle,
  createFlowLevels,
  createFlowTree,
  fromHex,
  keccak256,
  toHex,
  type Hex,
} from "../protocol/storage";
import { ZgsClient, ZgsRpcError, submitFile, uploadFile } from "./client";
import { createMemorySectorSource } from "./mining/testing/memorySource";
import type { StorageNode } from "./node";
import { RpcError } from "./rpc";
import {
  SectorDataUnavailableError,
  SectorOutOfRangeError,
  UnknownFlowRootError,
  assembleFlowProof,
  createSectorProofMethod,
  createSectorProofService,
  flowProofDepth,
  verifyFlowProof,
  type FlowProof,
  type SectorProofStore,
} from "./sectorProof";
import type { FileEntry } from "./store";
import { startStorageStack, startTestNode, testBytes, type StorageStack } from "./testing";

/** A store of submitted files in memory, with a flow tree kept the Flow's way for the expected roots. */
function fakeFlow() {
  const tree = createFlowTree();
  const source = createMemorySectorSource();
  const entries: FileEntry[] = [];
  const roots: { root: Hex; flowLength: bigint }[] = [];
  let image = new Uint8Array(256);
  const withheld = new Set<number>();
  const store: SectorProofStore = {
    getByTxSeq: async (t) => entries[t],
    nextTxSeq: async () => entries.length,
    async readFlowSectors(start, count) {
      for (const t of withheld) {
        const e = entries[t];
        if (start < e.startSector + e.sectors && start + BigInt(count) > e.startSector) return null;
      }
      return source.readFlowSectors(start, count);
    },
  };
  return {
    store,
    entries,
    roots,
    withheld,
    add(data: Uint8Array, eventId = `ev-${entries.length}`): FileEntry {
      const merkle = computeFileMerkle(data);
      const plan = tree.insert(merkle.nodes);
      const entry = {
        txSeq: entries.length,
        root: toHex(merkle.root as Uint8Array),
        startSector: plan.startIndex,
        sectors: plan.chargedLength,
        size: data.length,
        nodes: merkle.nodes.map((n) => ({ root: toHex(n.root), height: n.height })),
        eventId,
      } as FileEntry;
      entries.push(entry);
      source.place(plan.startIndex, data, plan.afterLength);
      const bigger = new Uint8Array(Number(plan.afterLength) * 256);
      bigger.set(image);
      bigger.set(data, Number(plan.startIndex) * 256);
      image = bigger;
      roots.push({ root: tree.root(), flowLength: plan.afterLength });
      return entry;
    },
    /** Leaves of the flow of `flowLength` sectors, from the raw bytes (independent of the mirror). */
    leaves(flowLength: bigint): Uint8Array[] {
      return Array.from({ length: Number(flowLength) }, (_, i) =>
        i === 0 ? fromHex(ZERO_HASH) : keccak256(image.subarray(i * 256, (i + 1) * 256)),
      );
    },
  };
}

/** The expected proof from a fully materialised tree. */
function referenceProof(leaves: Uint8Array[], sector: bigint): FlowProof {
  const levels = createFlowLevels(leaves);
  const siblings = Array.from({ length: levels.depth }, (_, h) => levels.nodeAt(h, Number((sector >> BigInt(h)) ^ 1n)));
  return assembleFlowProof(sector, levels.nodeAt(0, Number(sector)), siblings);
}

const rpcError = (code: number, message: string, data?: unknown) => new RpcError(code, message, data);

describe("sector proofs (pure + service)", () => {
  // Three files of different shapes: 3 segments + a tail (nodes of several heights), a 1-sector file (alignment
  // gap before the next one), 5 segments (crosses a segment boundary: jumps to the next 1024-sector segment).
  const flow = fakeFlow();
  const files = [testBytes(3 * 262_144 + 700, 1), testBytes(200, 2), testBytes(5 * 262_144 - 1000, 3)];
  for (const f of files) flow.add(f);
  const service = createSectorProofService({ store: flow.store });

  it("proves data sectors of every file, padding sectors, gap sectors and the reserved leaf under the current root", async () => {
    const { root, flowLength } = flow.roots.at(-1)!;
    const leaves = flow.leaves(flowLength);
    expect(toHex(createFlowLevels(leaves).root)).toBe(root); // the fake flow is the Flow's tree
    const picks = new Set<bigint>([0n, 1n, flowLength - 1n]);
    for (const e of flow.entries) {
      const dataEnd = e.startSector + BigInt(Math.ceil(e.size / 256));
      picks
        .add(e.startSector)
        .add(dataEnd - 1n)
        .add(e.startSector + (dataEnd - e.startSector) / 2n);
      if (dataEnd < e.startSector + e.sectors) picks.add(dataEnd); // zero tail of the file's last node
      if (e.startSector > 1n) picks.add(e.startSector - 1n); // alignment gap before it
    }
    for (const s of picks) {
      const proof = await service.getSectorProof(s);
      expect(proof.path).toHaveLength(flowProofDepth(flowLength));
      expect(proof.lemma.at(-1)).toBe(root);
      expect(verifyFlowProof({ proof, root, sectorIndex: s, flowLength, leaf: leaves[Number(s)] })).toBe(true);
      expect(proof).toEqual(referenceProof(leaves, s));
      // The verifier is not vacuous: another index, a changed sibling or another root fail.
      expect(verifyFlowProof({ proof, root, sectorIndex: s ^ 1n, flowLength })).toBe(false);
      const bad = { ...proof, lemma: [...proof.lemma] };
      bad.lemma[1] = toHex(keccak256(fromHex(bad.lemma[1])));
      expect(verifyFlowProof({ proof: bad, root, sectorIndex: s, flowLength })).toBe(false);
      expect(verifyFlowProof({ proof, root: flow.roots[0].root, sectorIndex: s, flowLength })).toBe(false);
    }
    expect(picks.size).toBeGreaterThan(12);
    expect(service.submissions()).toBe(3);
  });

  it("proves a sector under a historical root (the flow after the first file)", async () => {
    const { root, flowLength } = flow.roots[0];
    const leaves = flow.leaves(flowLength);
    for (const s of [5n, flow.entries[0].startSector + 1500n, flowLength - 1n]) {
      const proof = await service.getSectorProof(s, root);
      expect(verifyFlowProof({ proof, root, sectorIndex: s, flowLength })).toBe(true);
      expect(proof).toEqual(referenceProof(leaves, s));
      expect(proof).not.toEqual(await service.getSectorProof(s)); // the current tree differs
    }
    // The initial root (only the reserved leaf) is known too: a one-leaf tree.
    expect(await service.getSectorProof(0n, ZERO_HASH)).toEqual({ lemma: [ZERO_HASH], path: [] });
  });

  it("names the value in typed errors: sector outside the flow, unknown root, data not held", async () => {
    const { flowLength } = flow.roots.at(-1)!;
    await expect(service.getSectorProof(flowLength)).rejects.toThrow(SectorOutOfRangeError);
    await expect(service.getSectorProof(flowLength)).rejects.toThrow(`sectorIndex=${flowLength}`);
    // Inside today's flow but outside the historical one.
    await expect(service.getSectorProof(flow.roots[0].flowLength, flow.roots[0].root)).rejects.toThrow(
      `sectorIndex=${flow.roots[0].flowLength}, flowLength=${flow.roots[0].flowLength}`,
    );
    const unknown = `0x${"ab".repeat(32)}` as Hex;
    await expect(service.getSectorProof(1n, unknown)).rejects.toThrow(UnknownFlowRootError);
    await expect(service.getSectorProof(1n, unknown)).rejects.toThrow(unknown);

    const partial = fakeFlow();
    for (const f of files) partial.add(f);
    partial.withheld.add(0);
    const s2 = createSectorProofService({ store: partial.store });
    const inWithheld = partial.entries[0].startSector + 5n;
    await expect(s2.getSectorProof(inWithheld)).rejects.toThrow(SectorDataUnavailableError);
    await expect(s2.getSectorProof(inWithheld)).rejects.toThrow(`sectorIndex=${inWithheld}`);
    // The one-sector second file needs no withheld data: its leaf is its submitted node root, its siblings lie in
    // gaps or are submitted node roots.
    const one = partial.entries[1].startSector;
    const p = await s2.getSectorProof(one);
    expect(verifyFlowProof({ proof: p, ...partial.roots.at(-1)!, sectorIndex: one })).toBe(true);
  });

  it("maps parameters and errors to JSON-RPC errors that name the value", async () => {
    const method = createSectorProofMethod(flow.store, rpcError);
    const { root, flowLength } = flow.roots.at(-1)!;
    const ok = await method([7, null]);
    expect(verifyFlowProof({ proof: ok, root, sectorIndex: 7n, flowLength })).toBe(true);
    expect(await method(["7"])).toEqual(ok); // decimal string u64 too
    expect(await method([7, root.toUpperCase().replace("0X", "0x")])).toEqual(ok);
    const cases: [unknown[], number, string][] = [
      [[-1], -32602, "sectorIndex must be a u64 (got -1)"],
      [[1.5], -32602, "(got 1.5)"],
      [["18446744073709551616"], -32602, '(got "18446744073709551616")'],
      [[], -32602, "(got undefined)"],
      [[1, "0x12"], -32602, 'flowRoot must be null or a 0x-prefixed 32-byte hex string (got "0x12")'],
      [[Number(flowLength)], -32602, `sector ${flowLength} is outside the flow (length ${flowLength}`],
      [[1, `0x${"cd".repeat(32)}`], -32602, `unknown flow root 0x${"cd".repeat(32)}`],
    ];
    for (const [params, code, msg] of cases) {
      const err = await method(params).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, JSON.stringify(params)).toBeInstanceOf(RpcError);
      expect((err as RpcError).code).toBe(code);
      expect((err as RpcError).message).toContain(msg);
    }
  });

  it("follows the store: new submissions extend the flow, a replaced (reorged) entry rebuilds the mirror", async () => {
    const f = fakeFlow();
    f.add(testBytes(10_000, 4));
    const s = createSectorProofService({ store: f.store });
    expect(verifyFlowProof({ proof: await s.getSectorProof(3n), ...f.roots[0], sectorIndex: 3n })).toBe(true);
    f.add(testBytes(300_000, 5));
    const cur = f.roots[1];
    expect(
      verifyFlowProof({ proof: await s.getSectorProof(cur.flowLength - 1n), ...cur, sectorIndex: cur.flowLength - 1n }),
    ).toBe(true);
    // Reorg: the last entry is replaced by another file at the same txSeq.
    const g = fakeFlow();
    g.add(testBytes(10_000, 4));
    g.add(testBytes(5_000, 6), "ev-reorged");
    f.entries[1] = g.entries[1];
    const moved: SectorProofStore = { ...g.store, getByTxSeq: f.store.getByTxSeq, nextTxSeq: f.store.nextTxSeq };
    const s2 = createSectorProofService({ store: moved });
    await s2.getSectorProof(1n); // mirrors the replaced entry
    expect(verifyFlowProof({ proof: await s2.getSectorProof(1n), ...g.roots[1], sectorIndex: 1n })).toBe(true);
    await expect(s.getSectorProof(1n, cur.root)).rejects.toThrow(UnknownFlowRootError); // old root forgotten
  });
});

describe("zgs_getSectorProof on a real node", () => {
  let stack: StorageStack;
  let node: StorageNode;
  let client: ZgsClient;
  beforeAll(async () => {
    stack = await startStorageStack();
    ({ node, client } = await startTestNode(stack));
  }, 420_000);
  afterAll(async () => {
    await node?.stop({ drain: false });
    await stack?.stop();
  });

  async function flowRoot(txSeq: number): Promise<Hex> {
    return stack.publicClient.readContract({
      address: stack.contracts.Flow,
      abi: FlowAbi,
      functionName: "getFlowRootByTxSeq",
      args: [BigInt(txSeq)],
    });
  }

  it("serves proofs that verify against Flow.getFlowRootByTxSeq, current and historical; errors name the value", async () => {
    const chain = stack.uploadChain();
    const files = [testBytes(2 * 262_144 + 99, 11), testBytes(3000, 12), testBytes(262_144 + 5000, 13)];
    const ups = [];
    for (const f of files) ups.push(await uploadFile(f, { nodes: [client], chain, batch: 4 }));
    const entries = await Promise.all(ups.map(async (u) => (await node.store.getByTxSeq(u.txSeq)) as FileEntry));
    const last = entries.at(-1)!;
    const flowLength = last.startSector + last.sectors;
    const root = (await flowRoot(last.txSeq)).toLowerCase() as Hex;
    const computed = await stack.publicClient.readContract({
      address: stack.contracts.Flow,
      abi: FlowAbi,
      functionName: "computeFlowRoot",
    });
    expect(computed.toLowerCase()).toBe(root);

    for (const e of entries) {
      const dataEnd = e.startSector + BigInt(Math.ceil(e.size / 256));
      for (const s of [e.startSector, dataEnd - 1n, dataEnd, e.startSector - 1n]) {
        const proof = await client.request<FlowProof>("zgs_getSectorProof", [Number(s), null]);
        expect(verifyFlowProof({ proof, root, sectorIndex: s, flowLength }), `sector ${s}`).toBe(true);
        const same = await client.request<FlowProof>("zgs_getSectorProof", [Number(s), root]);
        expect(same).toEqual(proof);
      }
      // Data sectors carry the data's hash as the leaf.
      const first = await client.request<FlowProof>("zgs_getSectorProof", [Number(e.startSector)]);
      const bytes = files[entries.indexOf(e)].subarray(0, 256);
      expect(first.lemma[0]).toBe(toHex(keccak256(bytes)));
    }
    // Historical: the root right after the first of our files.
    const h = entries[0];
    const hRoot = (await flowRoot(h.txSeq)).toLowerCase() as Hex;
    const hLen = h.startSector + h.sectors;
    const hProof = await client.request<FlowProof>("zgs_getSectorProof", [Number(h.startSector) + 3, hRoot]);
    expect(verifyFlowProof({ proof: hProof, root: hRoot, sectorIndex: h.startSector + 3n, flowLength: hLen })).toBe(
      true,
    );
    expect(verifyFlowProof({ proof: hProof, root, sectorIndex: h.startSector + 3n, flowLength })).toBe(false);

    const failing: [unknown[], string][] = [
      [[Number(flowLength)], `sector ${flowLength} is outside the flow`],
      [[Number(hLen), hRoot], `sector ${hLen} is outside the flow`],
      [[1, `0x${"77".repeat(32)}`], `unknown flow root 0x${"77".repeat(32)}`],
      [["x"], 'sectorIndex must be a u64 (got "x")'],
    ];
    for (const [params, msg] of failing) {
      const err = await client.request("zgs_getSectorProof", params).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, JSON.stringify(params)).toBeInstanceOf(ZgsRpcError);
      expect((err as ZgsRpcError).code).toBe(-32602);
      expect((err as Error).message).toContain(msg);
    }
    // Submitted but never uploaded: the node cannot prove its sectors.
    const { txSeq } = await submitFile(testBytes(5000, 14), chain);
    await expect.poll(async () => (await node.store.getByTxSeq(txSeq)) !== undefined, { timeout: 30_000 }).toBe(true);
    const missing = (await node.store.getByTxSeq(txSeq)) as FileEntry;
    const err = await client.request("zgs_getSectorProof", [Number(missing.startSector) + 1]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as ZgsRpcError).code).toBe(-32000);
    expect((err as Error).message).toContain(`Sector ${missing.startSector + 1n}`);
  });
});
