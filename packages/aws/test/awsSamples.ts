import { eventSamplesDir, loadEventSamples } from "@afsync/testing/loadEventSamples";

/** The real AWS event samples: the repository's `events/aws/` folder. */
export const EVENTS_DIR = eventSamplesDir("aws");

export function awsSampleNames(): string[] {
  return loadEventSamples("aws").map((s) => s.name);
}

export function loadAwsSample(name: string): Record<string, unknown> {
  const sample = loadEventSamples("aws").find((s) => s.name === name);
  if (sample === undefined) throw new Error(`no sample ${name} in ${EVENTS_DIR}`);
  return sample.event as Record<string, unknown>;
}
