import { createHash } from "node:crypto";

/**
 * Qdrant point ids must be unsigned integers or UUIDs, while the fabric's vector ids are strings
 * (`${scope}/${key}`). Each string id maps to a name-based UUID (RFC 4122 version 5: SHA-1 of a
 * namespace and the name), so the mapping is deterministic — any fabric server, now or after a
 * restart, addresses the same point for the same context — and needs no lookup table. The original
 * id travels in the payload; a SHA-1 collision among 122 bits is not a practical concern.
 *
 * Changing `FABRIC_POINT_NAMESPACE` would orphan every point already stored: never change it.
 */
export const FABRIC_POINT_NAMESPACE = "9c6a3f4e-2b7d-4d1a-8f5e-6c0b1e7a2d93";

/** The Qdrant point id (lowercase hyphenated UUID) of a fabric vector id. */
export function pointUuid(id: string, namespace: string = FABRIC_POINT_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ""), "hex");
  if (ns.length !== 16) throw new Error(`pointUuid: namespace is not a UUID: ${namespace}`);
  const hash = createHash("sha1").update(ns).update(id, "utf8").digest();
  hash[6] = (hash[6] & 0x0f) | 0x50; // version 5
  hash[8] = (hash[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
