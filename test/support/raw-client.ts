import type { DescMethod, DescService } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { grpcMethodPath } from "@cache-fabric/client/wire";

/** Every method of the fabric's services, from the generated descriptors (new RPCs are covered as they land). */
export function allMethods(...services: DescService[]): DescMethod[] {
  return services.flatMap((s) => s.methods);
}

export interface RawOutcome {
  /** Status code (grpc.status), or "message" when a server stream sent a message first (then cancelled). */
  code: number | "message";
  details: string;
}

const identity = (b: Buffer) => b;

/**
 * Sends raw bytes to a method path over a plain grpc-js client, with identity (de)serialisers: what a
 * misbehaving or hostile client can put on the wire, bypassing every client-side check. Server
 * streams are cancelled at their first message. Every call has a deadline.
 */
export function rawCall(client: grpc.Client, method: DescMethod, body: Buffer, metadata = new grpc.Metadata(), deadlineMs = 2000): Promise<RawOutcome> {
  const path = grpcMethodPath(method);
  const deadline = Date.now() + deadlineMs;
  return new Promise((resolve) => {
    if (method.methodKind === "unary") {
      client.makeUnaryRequest(path, identity, identity, body, metadata, { deadline }, (err) =>
        resolve(err ? { code: err.code, details: err.details } : { code: grpc.status.OK, details: "" }),
      );
      return;
    }
    const call = client.makeServerStreamRequest(path, identity, identity, body, metadata, { deadline });
    let settled = false;
    const settle = (o: RawOutcome) => {
      if (!settled) {
        settled = true;
        resolve(o);
      }
    };
    call.on("data", () => {
      settle({ code: "message", details: "" });
      call.cancel();
    });
    call.on("error", (e: grpc.ServiceError) => settle({ code: e.code, details: e.details }));
    call.on("status", (s: grpc.StatusObject) => settle({ code: s.code, details: s.details }));
  });
}

export function bearer(token: string): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set("authorization", `Bearer ${token}`);
  return md;
}
