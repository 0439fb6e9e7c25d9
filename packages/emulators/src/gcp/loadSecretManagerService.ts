import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { type GrpcObject, loadPackageDefinition, type ServiceClientConstructor } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";

/**
 * The SecretManagerService definition from the protos `@google-cloud/secret-manager` ships, so
 * the emulator speaks exactly the wire protocol the official client was generated from. The
 * google/api, google/iam and google/protobuf imports resolve from google-gax's copy, found via its
 * main file because its `exports` map hides package.json.
 */
export function loadSecretManagerService(): ServiceClientConstructor["service"] {
  const require = createRequire(import.meta.url);
  const smPackage = dirname(require.resolve("@google-cloud/secret-manager/package.json"));
  const gaxMain = require.resolve("google-gax", { paths: [smPackage] });
  const gaxProtos = resolve(dirname(gaxMain), "..", "protos");
  const definition = loadSync("google/cloud/secretmanager/v1/service.proto", {
    includeDirs: [join(smPackage, "build", "protos"), gaxProtos],
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const root = loadPackageDefinition(definition);
  const v1 = ((root.google as GrpcObject).cloud as GrpcObject).secretmanager as GrpcObject;
  return ((v1.v1 as GrpcObject).SecretManagerService as ServiceClientConstructor).service;
}
