import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpError } from "./errors.js";
import { createHttpServer, type AgentHttpServer } from "./http.js";
import { createMetrics } from "./metrics.js";

let server: AgentHttpServer;
let base: string;
let healthy = true;
const metrics = createMetrics({ agent: "http-test" });

beforeAll(async () => {
  server = createHttpServer({
    registry: metrics.registry,
    status: () => ({ height: 12n, ok: true }),
    health: () => healthy,
  });
  server.route("GET", "/files/:root/segments/:index", ({ params }) => ({ body: params }));
  server.route("POST", "/echo", async ({ json }) => ({ status: 201, body: { got: await json() } }));
  server.route("GET", "/teapot", () => {
    throw new HttpError(418, "teapot", "short and stout");
  });
  server.route("GET", "/boom", () => {
    throw new Error("kaput");
  });
  ({ url: base } = await server.listen());
});

afterAll(() => server.close());

describe("http server", () => {
  it("binds 127.0.0.1 on a free port by default", () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Number(new URL(base).port)).toBeGreaterThan(0);
  });

  it("answers /healthz, 503 when unhealthy", async () => {
    let res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    healthy = false;
    res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(503);
    healthy = true;
  });

  it("serves /status from the callback, bigints as strings", async () => {
    const res = await fetch(`${base}/status`);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.json()).toEqual({ height: "12", ok: true });
  });

  it("serves Prometheus text on /metrics", async () => {
    metrics.eventsHandled.inc({ event: "Flow:Submit" }, 3);
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toContain('zg_events_handled_total{event="Flow:Submit",agent="http-test"} 3');
    expect(text).toContain("zg_process_cpu_user_seconds_total");
  });

  it("answers unknown paths with a 404 JSON error and wrong methods with 405", async () => {
    let res = await fetch(`${base}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: "not_found", message: "GET /nope not found" } });
    res = await fetch(`${base}/status`, { method: "DELETE" });
    expect(res.status).toBe(405);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("method_not_allowed");
  });

  it("routes with path parameters and JSON bodies", async () => {
    let res = await fetch(`${base}/files/0xab/segments/3`);
    expect(await res.json()).toEqual({ root: "0xab", index: "3" });
    res = await fetch(`${base}/echo`, { method: "POST", body: JSON.stringify({ a: 1 }) });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ got: { a: 1 } });
    res = await fetch(`${base}/echo`, { method: "POST", body: "{" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("bad_json");
  });

  it("maps HttpError to its status and other errors to 500, both as JSON", async () => {
    let res = await fetch(`${base}/teapot`);
    expect(res.status).toBe(418);
    expect(await res.json()).toEqual({ error: { code: "teapot", message: "short and stout" } });
    res = await fetch(`${base}/boom`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: "internal", message: "kaput" } });
  });

  it("refuses a route registered twice", () => {
    expect(() => server.route("GET", "/healthz", () => ({ body: {} }))).toThrow(/twice/);
  });
});
