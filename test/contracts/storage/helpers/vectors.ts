import fs from "node:fs";
import path from "node:path";

const REF = "/work/shared/reference/vectors";

export interface SdkVector {
  name: string;
  size: number;
  root: string | null;
  submission: { length: number; tags: string; nodes: { root: string; height: number }[]; submitter: string };
  sectors: number;
  identity: string | null;
  contractValid: boolean;
  calldataNew: string;
  calldataOld: string;
}

interface VectorFile {
  vectors: SdkVector[];
  sdkUploadReplay: {
    nodes: [string, number][];
    feeWei: string;
    new_1_2_8: {
      selector: string;
      submitEvent: { startPos: number; length: number; identity: string };
      treeAfter: number[];
    };
  };
  flowContractReplay: {
    results: { nodes?: number[]; length?: number; startIndex?: string; sectors?: string; treeAfter?: string[] }[];
  };
}

/** The official storage SDK vectors (shared reference folder). */
export function loadSdkVectors(): VectorFile {
  return JSON.parse(fs.readFileSync(path.join(REF, "storage-sdk-vectors.json"), "utf8")) as VectorFile;
}

export interface AbiEntry {
  kind: "F" | "E" | "ERR";
  selector: string;
  signature: string;
}

/** Entries of one section (`## <title>`) of storage-sdk-abi.txt. */
export function loadSdkAbi(section: string): AbiEntry[] {
  const text = fs.readFileSync(path.join(REF, "abi", "storage-sdk-abi.txt"), "utf8");
  const parts = text.split(/^## /m);
  const body = parts.find((p) => p.startsWith(section));
  if (!body) throw new Error(`section ${section} not found`);
  const out: AbiEntry[] = [];
  for (const line of body.split("\n")) {
    const m = /^(F|E|ERR) (0x[0-9a-f]+) (.*)$/.exec(line.trim());
    if (m) out.push({ kind: m[1] as AbiEntry["kind"], selector: m[2], signature: m[3] });
  }
  return out;
}
