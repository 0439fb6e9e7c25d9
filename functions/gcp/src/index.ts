import { registerGcpFunctions } from "./registerGcpFunctions.ts";
import { lazyGcpProducerDeps, lazyGcpWorkerDeps } from "./runtime/lazyGcpDeps.ts";

// The deployed entry: the dependencies are imported and built on each instance's first request, from its env.
registerGcpFunctions(lazyGcpProducerDeps(process.env), lazyGcpWorkerDeps(process.env));
