import { createMemoryStore } from "../../server/store/memory.js";
import { startTestServer } from "../support/harness.js";

describe("FabricClient.close()", () => {
  test("ends the client's open watches cleanly and leaves other clients' watches running", async () => {
    const t = await startTestServer(createMemoryStore());
    const closing = t.newClient();
    const other = t.newClient();
    const seen: string[] = [];
    const consume = async (client: typeof closing, label: string) => {
      for await (const m of client.watch({ prefix: "p:" })) if (m.kind === "event") seen.push(`${label}:${m.event.key}`);
      return "ended";
    };
    const closingDone = consume(closing, "closing");
    const otherDone = consume(other, "other");
    await new Promise((r) => setTimeout(r, 200));
    await t.client.setContext({ key: "p:1", value: 1 });
    await new Promise((r) => setTimeout(r, 200));
    await closing.close();
    await expect(closingDone).resolves.toBe("ended");
    await t.client.setContext({ key: "p:2", value: 2 });
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.sort()).toEqual(["closing:p:1", "other:p:1", "other:p:2"]);
    await other.close();
    await expect(otherDone).resolves.toBe("ended");
    await t.stop();
  });
});
