import { pointUuid } from "../../server/search/index/point-id.js";
import { metadataPath, toQdrantFilter } from "../../server/search/index/qdrant.js";

describe("Qdrant point ids and filters", () => {
  it("derives RFC 4122 version-5 UUIDs (checked against the RFC's DNS-namespace example)", () => {
    expect(pointUuid("www.example.com", "6ba7b810-9dad-11d1-80b4-00c04fd430c8")).toBe("2ed6657d-e927-568b-95e1-2665a8aea6a2");
  });

  it("maps a fabric id to the same UUID every time, and different ids to different UUIDs", () => {
    const a = pointUuid("GLOBAL/greeting");
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(pointUuid("GLOBAL/greeting")).toBe(a);
    expect(pointUuid("GLOBAL/greeting2")).not.toBe(a);
    expect(pointUuid("USER/greeting")).not.toBe(a);
  });

  it("pushes scope and metadata down as must matches, quoting keys that need it", () => {
    expect(toQdrantFilter(undefined)).toEqual({ filter: undefined, exact: true });
    expect(toQdrantFilter({})).toEqual({ filter: undefined, exact: true });
    expect(toQdrantFilter({ scope: "S", metadata: { lang: "en", "a.b": "x" } })).toEqual({
      filter: {
        must: [
          { key: "scope", match: { value: "S" } },
          { key: "metadata.lang", match: { value: "en" } },
          { key: 'metadata."a.b"', match: { value: "x" } },
        ],
      },
      exact: true,
    });
    expect(() => metadataPath('say "hi"')).toThrow(/double quote/);
  });

  it("pushes a key prefix down as a key_prefixes match; one not ending at a separator as a superset", () => {
    expect(toQdrantFilter({ scope: "USER", keyPrefix: "user:alice:" })).toEqual({
      filter: { must: [{ key: "scope", match: { value: "USER" } }, { key: "key_prefixes", match: { value: "user:alice:" } }] },
      exact: true,
    });
    expect(toQdrantFilter({ keyPrefix: "user:ali" })).toEqual({ filter: { must: [{ key: "key_prefixes", match: { value: "user:" } }] }, exact: false });
    expect(toQdrantFilter({ keyPrefix: "rou" })).toEqual({ filter: undefined, exact: false });
  });

  it("pushes namespaces down: one as must conditions, several as should filters", () => {
    expect(toQdrantFilter({ anyOf: [{ scope: "USER", keyPrefix: "user:a:" }] }).filter).toEqual({
      must: [{ key: "scope", match: { value: "USER" } }, { key: "key_prefixes", match: { value: "user:a:" } }],
    });
    expect(toQdrantFilter({ metadata: { k: "v" }, anyOf: [{ scope: "USER", keyPrefix: "user:a:" }, { scope: "GLOBAL" }] }).filter).toEqual({
      must: [{ key: "metadata.k", match: { value: "v" } }],
      should: [
        { must: [{ key: "scope", match: { value: "USER" } }, { key: "key_prefixes", match: { value: "user:a:" } }] },
        { must: [{ key: "scope", match: { value: "GLOBAL" } }] },
      ],
    });
  });
});
