import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { componentLogger, createLogger } from "./logger.js";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split("\n").filter(Boolean))
        lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, stream };
}

describe("logger", () => {
  it("writes JSON lines with level labels and component bindings", () => {
    const { lines, stream } = capture();
    const log = createLogger({ name: "test-agent", level: "debug", destination: stream });
    componentLogger(log, "event-source", { chain_id: 31337 }).debug({ block_number: 7 }, "polled");
    log.trace("hidden");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: "debug",
      name: "test-agent",
      component: "event-source",
      chain_id: 31337,
      block_number: 7,
      msg: "polled",
    });
  });

  it("never writes secrets, at the top level or nested", () => {
    const { lines, stream } = capture();
    const log = createLogger({ name: "t", destination: stream });
    const key = `0x${"cd".repeat(32)}`;
    log.info(
      { privateKey: key, config: { privateKey: key, rpcUrl: "http://x" }, deep: { a: { password: "pw" } } },
      "cfg",
    );
    const text = JSON.stringify(lines);
    expect(text).not.toContain(key);
    expect(text).not.toContain('"pw"');
    expect(lines[0]).toMatchObject({
      privateKey: "[redacted]",
      config: { privateKey: "[redacted]", rpcUrl: "http://x" },
    });
  });
});
