import { create, type MessageInitShape } from "@bufbuild/protobuf";
import {
  type DescriptorProtoSchema,
  type FieldDescriptorProtoSchema,
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
  type FileDescriptorProto,
  FileDescriptorProtoSchema,
} from "@bufbuild/protobuf/wkt";

type FieldInit = MessageInitShape<typeof FieldDescriptorProtoSchema>;
type MessageInit = MessageInitShape<typeof DescriptorProtoSchema>;

const field = (name: string, jsonName: string, number: number, rest: FieldInit): FieldInit => ({
  name,
  jsonName,
  number,
  label: Label.OPTIONAL,
  ...rest,
});

const message = (name: string, rest: MessageInit = {}): MessageInit => ({ name, ...rest });

/**
 * grpc/health/v1/health.proto as protoc describes it (the file grpc-health-check serves: Check,
 * Watch, List). The health service has no protobuf-es generated code to take the descriptor from, so
 * it is written out here; test/grpc/reflection.test.ts checks it equals protoc's output for the
 * package's own health.proto, field for field.
 */
export const HEALTH_FILE: FileDescriptorProto = create(FileDescriptorProtoSchema, {
  name: "grpc/health/v1/health.proto",
  package: "grpc.health.v1",
  syntax: "proto3",
  options: {
    csharpNamespace: "Grpc.Health.V1",
    goPackage: "google.golang.org/grpc/health/grpc_health_v1",
    javaMultipleFiles: true,
    javaOuterClassname: "HealthProto",
    javaPackage: "io.grpc.health.v1",
  },
  messageType: [
    message("HealthListRequest"),
    message("HealthListResponse", {
      field: [field("statuses", "statuses", 1, { label: Label.REPEATED, type: Type.MESSAGE, typeName: ".grpc.health.v1.HealthListResponse.StatusesEntry" })],
      nestedType: [
        message("StatusesEntry", {
          field: [
            field("key", "key", 1, { type: Type.STRING }),
            field("value", "value", 2, { type: Type.MESSAGE, typeName: ".grpc.health.v1.HealthCheckResponse" }),
          ],
          options: { mapEntry: true },
        }),
      ],
    }),
    message("HealthCheckRequest", { field: [field("service", "service", 1, { type: Type.STRING })] }),
    message("HealthCheckResponse", {
      field: [field("status", "status", 1, { type: Type.ENUM, typeName: ".grpc.health.v1.HealthCheckResponse.ServingStatus" })],
      enumType: [
        {
          name: "ServingStatus",
          value: [
            { name: "UNKNOWN", number: 0 },
            { name: "SERVING", number: 1 },
            { name: "NOT_SERVING", number: 2 },
            { name: "SERVICE_UNKNOWN", number: 3 },
          ],
        },
      ],
    }),
  ],
  service: [
    {
      name: "Health",
      method: [
        { name: "Check", inputType: ".grpc.health.v1.HealthCheckRequest", outputType: ".grpc.health.v1.HealthCheckResponse" },
        { name: "Watch", inputType: ".grpc.health.v1.HealthCheckRequest", outputType: ".grpc.health.v1.HealthCheckResponse", serverStreaming: true },
        { name: "List", inputType: ".grpc.health.v1.HealthListRequest", outputType: ".grpc.health.v1.HealthListResponse" },
      ],
    },
  ],
});
