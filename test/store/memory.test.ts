import { compileGlob } from "../../server/contexts/glob.js";
import { createMemoryStore } from "../../server/store/memory.js";
import { describeStore } from "./conformance.js";

describeStore("memory", { create: async () => createMemoryStore({ historySize: 100 }) }, { historySize: 100, persistent: false });

describe("memory store specifics", () => {
  test("prefix lookups and revision-log scans agree", async () => {
    // prefixScanLimit 0 forces the log scan; the default takes the prefix path for small ranges.
    const byPrefix = createMemoryStore();
    const byLog = createMemoryStore({ prefixScanLimit: 0 });
    for (const store of [byPrefix, byLog]) {
      for (let i = 0; i < 300; i++) {
        await store.write([{ op: "set", scope: "USER", key: `user:${i % 30}:item:${i}`, value: i, metadata: {} }]);
      }
    }
    for (const pattern of ["user:7:*", "user:1*:item:2?", "*:item:29*", "user:2[0-3]:*"]) {
      const pages = async (store: typeof byLog) => {
        const keys: string[] = [];
        let before: number | undefined;
        do {
          const out = await store.query("USER", compileGlob(pattern), { limit: 4, ...(before ? { beforeRevision: before } : {}) });
          keys.push(...out.contexts.map((c) => c.key));
          before = out.nextBeforeRevision;
        } while (before !== undefined);
        return keys;
      };
      expect(await pages(byPrefix)).toEqual(await pages(byLog));
    }
    await byPrefix.close();
    await byLog.close();
  });
});
