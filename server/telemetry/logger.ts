import pino, { type DestinationStream, type Logger } from "pino";
import { currentCall, type CallReport } from "../grpc/adapter.js";
import type { ErrorCode } from "@cache-fabric/client/api";
import type { LogLevel } from "./settings.js";
import { PRINCIPAL_ATTRIBUTE, type Principal } from "../access/policy.js";

export type { Logger } from "pino";

export interface LoggerOptions {
  level?: LogLevel;
  /** Where JSON lines go; default stdout, written synchronously so nothing is lost on exit. */
  destination?: DestinationStream;
}

/**
 * The server's structured logger: one JSON object per line (pino), ISO timestamps, `msg` for the
 * message. Any line written while a gRPC call is being served carries that call's `requestId`
 * (read from the adapter's AsyncLocalStorage), so a handler's lines join the call's log line
 * without threading ids through signatures.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin() {
        const call = currentCall();
        return call ? { requestId: call.requestId } : {};
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/**
 * Codes that mean the server (or what it depends on) failed, logged at `error`; every other non-OK
 * code is the caller's business (bad input, denied, limits, cancelled) and is logged at `warn`.
 */
const SERVER_FAULTS: ReadonlySet<ErrorCode> = new Set(["INTERNAL", "UNAVAILABLE", "DEADLINE_EXCEEDED"]);

/**
 * The call log: one line per finished call, from the adapter's `onCallEnd`. OK calls log at
 * `debug` (off by default: a busy server answers thousands per second), failures at `warn` or
 * `error`. Lines name the caller by token *name*, never by secret; an INTERNAL error's cause (never
 * sent to the caller) is logged here with its stack.
 */
export function callLogger(logger: Logger): (report: CallReport) => void {
  return (report) => {
    const level = report.code === "OK" ? "debug" : SERVER_FAULTS.has(report.code) ? "error" : "warn";
    if (!logger.isLevelEnabled(level)) return;
    const principal = report.context.attributes.get(PRINCIPAL_ATTRIBUTE) as Principal | undefined;
    const line: Record<string, unknown> = {
      requestId: report.context.requestId,
      method: `${report.method.parent.typeName}/${report.method.name}`,
      code: report.code,
      durationMs: Math.round(report.durationMs * 1000) / 1000,
      peer: report.context.peer,
    };
    if (principal) line.principal = principal.name;
    if (report.error) {
      line.error = report.error.message;
      if (report.code === "INTERNAL" && report.error.cause !== undefined) line.err = report.error.cause;
    }
    logger[level](line, report.code === "OK" ? "call" : "call failed");
  };
}
