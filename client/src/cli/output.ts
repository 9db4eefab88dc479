import type { JsonValue } from "../api/types.js";
import { UsageError } from "./command.js";

/** `-w json` (the default: JSON documents, JSON lines for listings) or `-w raw` (bare values, for shell pipes). */
export type OutputFormat = "json" | "raw";

export function outputFormat(raw: string | undefined): OutputFormat {
  if (raw === undefined || raw === "json" || raw === "raw") return raw ?? "json";
  throw new UsageError(`--output: must be json or raw (got "${raw}")`);
}

/**
 * Writes a command's results in the chosen format. Each call gives the JSON form and, where the
 * command has one, the raw form; without a raw form, raw output is the compact JSON.
 */
export interface Printer {
  readonly format: OutputFormat;
  /** One result: pretty JSON, or `raw`. */
  document(value: unknown, raw?: string): void;
  /** One item of a listing: a JSON line, or `raw`. */
  line(value: unknown, raw?: string): void;
}

export function createPrinter(out: NodeJS.WritableStream, format: OutputFormat): Printer {
  const write = (text: string) => out.write(text.endsWith("\n") ? text : `${text}\n`);
  return {
    format,
    document(value, raw) {
      write(format === "raw" && raw !== undefined ? raw : JSON.stringify(value, null, format === "raw" ? undefined : 2));
    },
    line(value, raw) {
      write(format === "raw" && raw !== undefined ? raw : JSON.stringify(value));
    },
  };
}

/** A value as a shell wants it: a string as it is, anything else as compact JSON. */
export function rawValue(value: JsonValue | undefined): string {
  return typeof value === "string" ? value : JSON.stringify(value ?? null);
}
