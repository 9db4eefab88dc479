/** The guide's Multi-User Context: per-user context in the USER scope under `user:{id}:context`. */
import type { Fabric, JsonValue } from "@cache-fabric/client";

export async function storeUserContext(
  fabric: Fabric,
  userId: string,
  contextData: { preferences?: JsonValue; history?: JsonValue; settings?: JsonValue },
): Promise<void> {
  await fabric.setContext({
    key: `user:${userId}:context`,
    value: {
      preferences: contextData.preferences ?? null,
      history: contextData.history ?? null,
      settings: contextData.settings ?? null,
    },
    scope: "USER",
    metadata: { user_id: userId },
  });
}

/** Retrieve user context for personalization; `{}` when the user has none. */
export async function getUserContext(fabric: Fabric, userId: string): Promise<JsonValue> {
  const context = await fabric.getContext({ key: `user:${userId}:context`, scope: "USER" });
  return context ? context.value : {};
}

export async function run(fabric: Fabric): Promise<JsonValue[]> {
  await storeUserContext(fabric, "user-456", { preferences: { tone: "formal" }, history: ["hi"], settings: { beta: true } });
  return [await getUserContext(fabric, "user-456"), await getUserContext(fabric, "nobody")];
}
