import { createServer, type Server, type Socket } from "node:net";
import { FabricError } from "@cache-fabric/client/api";
import { createQdrantVectorIndex } from "../../server/search/index/qdrant.js";
import type { VectorIndex } from "../../server/search/types.js";
import { startQdrantStandIn, type QdrantStandIn } from "../support/qdrant-standin.js";
import { DIM, describeVectorIndex, point, vec } from "./vector-index-contract.js";

/**
 * The Qdrant adapter against a real Qdrant when QDRANT_URL is set (QDRANT_API_KEY optional), else
 * against the loopback STAND-IN in test/support/qdrant-standin.ts, which is not Qdrant. The test
 * names say which one ran.
 */
const REAL_URL = process.env.QDRANT_URL;
const API_KEY = process.env.QDRANT_API_KEY;
const target = REAL_URL ? `a real Qdrant at ${REAL_URL}` : "the loopback Qdrant STAND-IN (not Qdrant; set QDRANT_URL to use a real one)";

let standIn: QdrantStandIn | undefined;
let collectionSeq = 0;

beforeAll(async () => {
  if (!REAL_URL) standIn = await startQdrantStandIn();
});

afterAll(async () => {
  if (standIn) {
    // Qdrant's schema was the referee for every request the adapter sent and every answer it got.
    expect(standIn.violations()).toEqual([]);
    const used = standIn.operations();
    for (const op of ["create_collection", "create_field_index", "upsert_points", "delete_points", "query_points_groups", "count_points", "get_points"]) {
      expect([op, used.get(op) ?? 0]).toEqual([op, expect.any(Number)]);
      expect(used.get(op)).toBeGreaterThan(0);
    }
  }
  await standIn?.close();
});

function baseUrl(): string {
  return REAL_URL ?? (standIn as QdrantStandIn).url;
}

/** A collection name no other test (or earlier run against a shared Qdrant) uses. */
function freshCollection(): string {
  return `fabric_test_${process.pid}_${Date.now().toString(36)}_${++collectionSeq}`;
}

async function dropCollection(name: string): Promise<void> {
  await fetch(`${baseUrl()}/collections/${encodeURIComponent(name)}`, {
    method: "DELETE",
    headers: API_KEY ? { "api-key": API_KEY } : {},
  });
}

function adapter(collection: string, timeoutMs = 5_000): VectorIndex {
  return createQdrantVectorIndex({ url: baseUrl(), apiKey: API_KEY, collection, timeoutMs });
}

describeVectorIndex(`Qdrant adapter against ${target}`, async () => {
  const collection = freshCollection();
  return {
    index: adapter(collection),
    reopen: () => adapter(collection),
    cleanup: () => dropCollection(collection),
  };
});

describe(`Qdrant adapter failures, against ${target}`, () => {
  it("fails fast with UNAVAILABLE when nothing listens on the port", async () => {
    const port = await closedPort();
    const index = createQdrantVectorIndex({ url: `http://127.0.0.1:${port}`, collection: "x", timeoutMs: 2_000 });
    const started = Date.now();
    const e = await rejection(index.init(DIM));
    expect(e.code).toBe("UNAVAILABLE");
    expect(e.message).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}.*unreachable.*ECONNREFUSED`));
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("gives up after timeoutMs with UNAVAILABLE when the server accepts but never answers", async () => {
    const { server, port, close } = await blackHole();
    try {
      const index = createQdrantVectorIndex({ url: `http://127.0.0.1:${port}`, collection: "x", timeoutMs: 300 });
      const started = Date.now();
      const e = await rejection(index.init(DIM));
      const took = Date.now() - started;
      expect(e.code).toBe("UNAVAILABLE");
      expect(e.message).toMatch(/did not answer within 300 ms/);
      expect(took).toBeGreaterThanOrEqual(250);
      expect(took).toBeLessThan(2_000);
    } finally {
      void server;
      await close();
    }
  });

  it("reports a collection deleted behind its back as FAILED_PRECONDITION with Qdrant's message", async () => {
    const collection = freshCollection();
    const index = adapter(collection);
    await index.init(DIM);
    await index.upsert([point("S", "a", vec(1))]);
    await dropCollection(collection);
    const e = await rejection(index.search(vec(1), { limit: 1 }));
    expect(e.code).toBe("FAILED_PRECONDITION");
    expect(e.message).toMatch(new RegExp(`${collection}.*(doesn't exist|not found)`, "i"));
    await index.close();
  });

  it("tolerates concurrent init of the same new collection (one creates, the other verifies)", async () => {
    const collection = freshCollection();
    const a = adapter(collection);
    const b = adapter(collection);
    try {
      await Promise.all([a.init(DIM), b.init(DIM)]);
      await a.upsert([point("S", "a", vec(1))]);
      expect(await b.count()).toBe(1);
    } finally {
      await a.close();
      await b.close();
      await dropCollection(collection);
    }
  });
});

async function rejection(promise: Promise<unknown>): Promise<FabricError> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(FabricError);
    return e as FabricError;
  }
  throw new Error("expected the call to fail");
}

/** A port that was free a moment ago and has nothing listening on it now. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A TCP server that accepts connections and never says a word. */
async function blackHole(): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
