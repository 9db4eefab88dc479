/**
 * The guide's Error Handling: fall back when the fabric is unavailable. Only outages fall back;
 * bad input (INVALID_ARGUMENT) is a bug in the caller and is rethrown rather than hidden.
 */
import { FabricError, type Fabric, type JsonValue, type Scope } from "@cache-fabric/client";

export async function safeGetContext(fabric: Fabric, key: string, scope: Scope): Promise<JsonValue | null> {
  try {
    const context = await fabric.getContext({ key, scope });
    return context ? context.value : null;
  } catch (e) {
    if (FabricError.is(e, "INVALID_ARGUMENT")) throw e;
    console.warn(`Error retrieving ${key}: ${(e as Error).message}`);
    return null; // Fallback to null
  }
}

export const run = (fabric: Fabric) => safeGetContext(fabric, "router:main:system_message", "GLOBAL");
