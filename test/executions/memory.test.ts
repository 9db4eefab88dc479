import { createMemoryStore } from "../../server/store/memory.js";
import { describeExecutions } from "./suite.js";

describeExecutions("memory store", async () => createMemoryStore());
