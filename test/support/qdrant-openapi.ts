/**
 * Qdrant's own published schema as the referee: validates a REST request (path, query parameters,
 * JSON body) and a response body against `openapi.json` of Qdrant v1.19.0 (shared/reference/qdrant),
 * so that the Qdrant adapter and the stand-in cannot drift from the real API unnoticed.
 *
 * The document is OpenAPI 3.0 (its schemas use `nullable`); @openapi-contrib/openapi-schema-to-json-schema
 * turns each component schema into JSON Schema, and ajv (the JSON Schema validator most of npm
 * uses) compiles them, with Qdrant's integer/float formats checked as what they mean.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import { openapiSchemaToJsonSchema } from "@openapi-contrib/openapi-schema-to-json-schema";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

const RELATIVE = "shared/reference/qdrant/openapi.json";

/**
 * The schema file: `QDRANT_OPENAPI` if set, else `shared/reference/qdrant/openapi.json` in the
 * nearest folder above the repository that has it (CI lays shared/ beside the clone). Missing is an
 * error, never a skipped check.
 */
export function qdrantOpenApiPath(): string {
  if (process.env.QDRANT_OPENAPI) return process.env.QDRANT_OPENAPI;
  for (let dir = join(__dirname, "../.."); ; dir = dirname(dir)) {
    const candidate = join(dir, RELATIVE);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`Qdrant's openapi.json was not found in ${RELATIVE} above ${join(__dirname, "../..")} (set QDRANT_OPENAPI)`);
  }
}

interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  operationId: string;
  params: Array<{ name: string; in: string; required: boolean; validate: ValidateFunction }>;
  body?: ValidateFunction;
  response?: ValidateFunction;
}

export interface QdrantSchema {
  /** Problems with a request, as Qdrant's schema sees them; [] when it is one Qdrant accepts. */
  checkRequest(method: string, url: string, body: unknown): string[];
  /** Problems with a 200 response body for that request. */
  checkResponse(method: string, url: string, body: unknown): string[];
  /** The operation a request maps to (e.g. "query_points_groups"), or undefined. */
  operationOf(method: string, url: string): string | undefined;
}

const uintFormat = { type: "number" as const, validate: (x: number) => Number.isInteger(x) && x >= 0 };
const intFormat = { type: "number" as const, validate: (x: number) => Number.isInteger(x) };
const anyNumber = { type: "number" as const, validate: (x: number) => Number.isFinite(x) };

let cached: QdrantSchema | undefined;

/** Loads and compiles the schema once per process (it is about 0.5 MB). */
export function qdrantSchema(path = qdrantOpenApiPath()): QdrantSchema {
  if (cached) return cached;
  const doc = JSON.parse(readFileSync(path, "utf8")) as {
    paths: Record<
      string,
      Record<
        string,
        {
          operationId: string;
          parameters?: Array<{ name: string; in: string; required?: boolean; schema: object }>;
          requestBody?: { content: Record<string, { schema: object }> };
          responses: Record<string, { content?: Record<string, { schema: object }> }>;
        }
      >
    >;
    components: { schemas: Record<string, object> };
  };
  const convert = (schema: object) => {
    const out = openapiSchemaToJsonSchema(schema, { cloneSchema: true }) as Record<string, unknown>;
    delete out.$schema; // the converter labels its output draft-04; ajv reads it as its own draft
    return out;
  };
  const definitions: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(doc.components.schemas)) definitions[name] = convert(s);
  const rewrite = (schema: unknown) => JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', '"qdrant#/definitions/'));
  const formats = {
    uint: uintFormat,
    uint8: uintFormat,
    uint16: uintFormat,
    uint32: uintFormat,
    uint64: uintFormat,
    int: intFormat,
    int32: intFormat,
    int64: intFormat,
    float: anyNumber,
    double: anyNumber,
    uuid: /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i,
    "date-time": /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/,
    "partial-date-time": /^\d{4}-\d\d-\d\d([T ]\d\d(:\d\d(:\d\d(\.\d+)?)?)?)?(Z|[+-]\d\d:\d\d)?$/,
    uri: (x: string) => URL.canParse(x),
    binary: () => true,
  };
  const ajv = new Ajv({ strict: false, allErrors: true, formats });
  ajv.addSchema(rewrite({ $id: "qdrant", definitions }));
  // Query parameters arrive as strings: a second validator coerces them as Qdrant's router does.
  const params = new Ajv({ strict: false, allErrors: true, coerceTypes: true, formats });
  params.addSchema(rewrite({ $id: "qdrant", definitions }));

  const operations: Operation[] = [];
  for (const [template, methods] of Object.entries(doc.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`);
    for (const [method, op] of Object.entries(methods)) {
      const bodySchema = op.requestBody?.content["application/json"]?.schema;
      const responseSchema = op.responses["200"]?.content?.["application/json"]?.schema;
      operations.push({
        method: method.toUpperCase(),
        template,
        pattern,
        operationId: op.operationId,
        // Wrapped in an object: ajv coerces a value only where it can write the result back.
        params: (op.parameters ?? []).map((p) => ({
          name: p.name,
          in: p.in,
          required: p.required === true,
          validate: params.compile(rewrite({ type: "object", properties: { value: convert(p.schema) } })),
        })),
        ...(bodySchema ? { body: ajv.compile(rewrite(convert(bodySchema))) } : {}),
        ...(responseSchema ? { response: ajv.compile(rewrite(convert(responseSchema))) } : {}),
      });
    }
  }
  // A literal path (".../points/query/groups") wins over a template that also matches ("{id}").
  const find = (method: string, pathname: string) =>
    operations
      .filter((o) => o.method === method && o.pattern.test(pathname))
      .sort((a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0))[0];
  const describe = (errors: ErrorObject[] | null | undefined, where: string) =>
    (errors ?? []).map((e) => `${where}${e.instancePath || ""} ${e.message ?? e.keyword}${e.params ? ` ${JSON.stringify(e.params)}` : ""}`);

  cached = {
    operationOf: (method, url) => find(method, new URL(url, "http://x").pathname)?.operationId,
    checkRequest(method, url, body) {
      const u = new URL(url, "http://x");
      const op = find(method, u.pathname);
      if (!op) return [`${method} ${u.pathname}: no such operation in Qdrant's API`];
      const problems: string[] = [];
      for (const [name, raw] of u.searchParams) {
        const p = op.params.find((x) => x.in === "query" && x.name === name);
        if (!p) {
          problems.push(`${op.operationId}: unknown query parameter ${name}`);
          continue;
        }
        if (!p.validate({ value: raw })) problems.push(...describe(p.validate.errors, `${op.operationId}?${name}`));
      }
      for (const p of op.params)
        if (p.in === "query" && p.required && !u.searchParams.has(p.name)) problems.push(`${op.operationId}: missing query parameter ${p.name}`);
      if (op.body) {
        if (body === undefined) problems.push(`${op.operationId}: a JSON body is required`);
        else if (!op.body(body)) problems.push(...describe(op.body.errors, `${op.operationId} body`));
      }
      return problems;
    },
    checkResponse(method, url, body) {
      const op = find(method, new URL(url, "http://x").pathname);
      if (!op?.response) return [];
      return op.response(body) ? [] : describe(op.response.errors, `${op?.operationId} response`);
    },
  };
  return cached;
}
