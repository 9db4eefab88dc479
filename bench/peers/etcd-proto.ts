/**
 * The few etcd v3 messages the peer benchmark speaks (KV.Range, KV.Put, Watch.Watch), declared here
 * as a small FileDescriptorProto and loaded with protobuf-es's reflection API, so no etcd .proto file
 * is downloaded or vendored. Field numbers and types are etcd 3.4's (api/etcdserverpb/rpc.proto,
 * api/mvccpb/kv.proto); enums are declared as int32 and WatchRequest's oneof as a plain field, which
 * encode to the same bytes. mvccpb's KeyValue and Event live in the same package here: message
 * package names never reach the wire, only the service paths do.
 */
import { create, createFileRegistry, type DescMessage, type DescMethod, type DescService, type MessageInitShape } from "@bufbuild/protobuf";
import {
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
  type FieldDescriptorProtoSchema,
  FileDescriptorProtoSchema,
} from "@bufbuild/protobuf/wkt";

type FieldSpec = [name: string, number: number, type: Type, typeName?: string, repeated?: boolean];

const field = ([name, number, type, typeName, repeated]: FieldSpec): MessageInitShape<typeof FieldDescriptorProtoSchema> => ({
  name,
  number,
  type,
  label: repeated ? Label.REPEATED : Label.OPTIONAL,
  jsonName: name.replace(/_(\w)/g, (_, c: string) => c.toUpperCase()),
  ...(typeName ? { typeName: `.etcdserverpb.${typeName}` } : {}),
});

const message = (name: string, fields: FieldSpec[]) => ({ name, field: fields.map(field) });

const file = create(FileDescriptorProtoSchema, {
  name: "bench/etcd-subset.proto",
  package: "etcdserverpb",
  syntax: "proto3",
  messageType: [
    message("ResponseHeader", [
      ["cluster_id", 1, Type.UINT64],
      ["member_id", 2, Type.UINT64],
      ["revision", 3, Type.INT64],
      ["raft_term", 4, Type.UINT64],
    ]),
    message("KeyValue", [
      ["key", 1, Type.BYTES],
      ["create_revision", 2, Type.INT64],
      ["mod_revision", 3, Type.INT64],
      ["version", 4, Type.INT64],
      ["value", 5, Type.BYTES],
      ["lease", 6, Type.INT64],
    ]),
    message("Event", [
      ["type", 1, Type.INT32],
      ["kv", 2, Type.MESSAGE, "KeyValue"],
      ["prev_kv", 3, Type.MESSAGE, "KeyValue"],
    ]),
    message("RangeRequest", [
      ["key", 1, Type.BYTES],
      ["range_end", 2, Type.BYTES],
      ["limit", 3, Type.INT64],
      ["revision", 4, Type.INT64],
      ["serializable", 7, Type.BOOL],
    ]),
    message("RangeResponse", [
      ["header", 1, Type.MESSAGE, "ResponseHeader"],
      ["kvs", 2, Type.MESSAGE, "KeyValue", true],
      ["more", 3, Type.BOOL],
      ["count", 4, Type.INT64],
    ]),
    message("PutRequest", [
      ["key", 1, Type.BYTES],
      ["value", 2, Type.BYTES],
      ["lease", 3, Type.INT64],
      ["prev_kv", 4, Type.BOOL],
    ]),
    message("PutResponse", [
      ["header", 1, Type.MESSAGE, "ResponseHeader"],
      ["prev_kv", 2, Type.MESSAGE, "KeyValue"],
    ]),
    message("WatchCreateRequest", [
      ["key", 1, Type.BYTES],
      ["range_end", 2, Type.BYTES],
      ["start_revision", 3, Type.INT64],
      ["progress_notify", 4, Type.BOOL],
      ["prev_kv", 6, Type.BOOL],
    ]),
    message("WatchRequest", [["create_request", 1, Type.MESSAGE, "WatchCreateRequest"]]),
    message("WatchResponse", [
      ["header", 1, Type.MESSAGE, "ResponseHeader"],
      ["watch_id", 2, Type.INT64],
      ["created", 3, Type.BOOL],
      ["canceled", 4, Type.BOOL],
      ["compact_revision", 5, Type.INT64],
      ["cancel_reason", 6, Type.STRING],
      ["events", 11, Type.MESSAGE, "Event", true],
    ]),
  ],
  service: [
    {
      name: "KV",
      method: [
        { name: "Range", inputType: ".etcdserverpb.RangeRequest", outputType: ".etcdserverpb.RangeResponse" },
        { name: "Put", inputType: ".etcdserverpb.PutRequest", outputType: ".etcdserverpb.PutResponse" },
      ],
    },
    {
      name: "Watch",
      method: [
        {
          name: "Watch",
          inputType: ".etcdserverpb.WatchRequest",
          outputType: ".etcdserverpb.WatchResponse",
          clientStreaming: true,
          serverStreaming: true,
        },
      ],
    },
  ],
});

const registry = createFileRegistry(file, () => undefined);

function messageDesc(name: string): DescMessage {
  const desc = registry.getMessage(`etcdserverpb.${name}`);
  if (!desc) throw new Error(`etcd subset: no message ${name}`);
  return desc;
}

function methodDesc(service: string, name: string): DescMethod {
  const desc: DescService | undefined = registry.getService(`etcdserverpb.${service}`);
  const method = desc?.methods.find((m) => m.name === name);
  if (!method) throw new Error(`etcd subset: no method ${service}.${name}`);
  return method;
}

export const etcd = {
  RangeRequest: messageDesc("RangeRequest"),
  RangeResponse: messageDesc("RangeResponse"),
  PutRequest: messageDesc("PutRequest"),
  PutResponse: messageDesc("PutResponse"),
  WatchRequest: messageDesc("WatchRequest"),
  WatchResponse: messageDesc("WatchResponse"),
  range: methodDesc("KV", "Range"),
  put: methodDesc("KV", "Put"),
  watch: methodDesc("Watch", "Watch"),
};
