import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { type GrpcObject, loadPackageDefinition, type ServiceClientConstructor } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";

/**
 * The Pub/Sub Publisher service definition from the protos `@google-cloud/pubsub` ships, so the
 * emulator speaks the wire protocol the official client was generated from. The google/api and
 * google/protobuf imports resolve from the google-gax copy the client itself uses.
 */
export function loadPubSubPublisherService(): ServiceClientConstructor["service"] {
  return loadPubSubService("Publisher");
}

/** The Subscriber service (Pull, Acknowledge, ModifyAckDeadline…), from the same protos. */
export function loadPubSubSubscriberService(): ServiceClientConstructor["service"] {
  return loadPubSubService("Subscriber");
}

function loadPubSubService(name: "Publisher" | "Subscriber"): ServiceClientConstructor["service"] {
  const require = createRequire(import.meta.url);
  const pubsubPackage = dirname(require.resolve("@google-cloud/pubsub/package.json"));
  const gaxMain = require.resolve("google-gax", { paths: [pubsubPackage] });
  const gaxProtos = resolve(dirname(gaxMain), "..", "protos");
  const definition = loadSync("google/pubsub/v1/pubsub.proto", {
    includeDirs: [join(pubsubPackage, "build", "protos"), gaxProtos],
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const root = loadPackageDefinition(definition);
  const v1 = (root.google as GrpcObject).pubsub as GrpcObject;
  return ((v1.v1 as GrpcObject)[name] as ServiceClientConstructor).service;
}
