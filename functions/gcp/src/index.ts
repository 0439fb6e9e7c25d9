import { registerGcpFunctions } from "./registerGcpFunctions.ts";
import { gcpProducerDepsFromEnv, gcpWorkerDepsFromEnv } from "./runtime/gcpDepsFromEnv.ts";

// The deployed entry: the dependencies are built on each instance's first request, from its env.
registerGcpFunctions(gcpProducerDepsFromEnv(process.env), gcpWorkerDepsFromEnv(process.env));
