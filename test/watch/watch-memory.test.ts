import { createMemoryStore } from "../../server/store/memory.js";
import { describeWatch } from "./watch-suite.js";

describeWatch("memory", async ({ historySize }) => createMemoryStore({ historySize }), { expiryLatencyMs: 100 });
