import * as grpc from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";

/** A grpc.health.v1 client (what Kubernetes' gRPC probe and load balancers call), from the library's own definition. */
export interface HealthClient {
  /** `{ status }` when answered, `{ code }` (a gRPC status code) when refused. */
  check(service?: string): Promise<{ status?: string; code?: number }>;
  /** Opens a Watch; `statuses` fills as the server sends them; `ended` resolves with the final status code. */
  watch(service?: string): { statuses: string[]; ended: Promise<number>; cancel(): void };
  close(): void;
}

export function healthClient(address: string, credentials = grpc.credentials.createInsecure()): HealthClient {
  const Ctor = grpc.makeClientConstructor(healthService as grpc.ServiceDefinition, "Health");
  const client = new Ctor(address, credentials) as grpc.Client & Record<string, (...a: unknown[]) => unknown>;
  return {
    check(service = "") {
      return new Promise((resolve) =>
        client.check({ service }, { deadline: Date.now() + 2000 }, (err: grpc.ServiceError | null, res: { status: string }) =>
          resolve(err ? { code: err.code } : { status: res.status }),
        ),
      );
    },
    watch(service = "") {
      const statuses: string[] = [];
      const call = client.watch({ service }) as grpc.ClientReadableStream<{ status: string }>;
      call.on("data", (m: { status: string }) => statuses.push(m.status));
      const ended = new Promise<number>((resolve) => {
        call.on("status", (s: grpc.StatusObject) => resolve(s.code));
        call.on("error", () => undefined);
      });
      return { statuses, ended, cancel: () => call.cancel() };
    },
    close: () => client.close(),
  };
}
