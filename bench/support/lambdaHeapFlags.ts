/**
 * The heap flags AWS Lambda's Node.js runtime starts a function with, from the function's memory
 * size (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, MB). The runtime's bootstrap (`/var/runtime/bootstrap`
 * in the nodejs images) gives new space a tenth of the memory, each semi-space half of that, and
 * old space the rest, in shell `expr` arithmetic (integer division):
 *
 *   new_space=$(expr $AWS_LAMBDA_FUNCTION_MEMORY_SIZE / 10)
 *   semi_space=$(expr $new_space / 2)
 *   old_space=$(expr $AWS_LAMBDA_FUNCTION_MEMORY_SIZE - $new_space)
 *   node --max-semi-space-size=$semi_space --max-old-space-size=$old_space …
 *
 * A process started with Node's defaults on a machine with gigabytes to spare lets V8 grow its
 * heap to about four times what survives each full collection; a function given a memory size
 * gets this ceiling instead, and V8's growing factor is smaller under it. A benchmark that asks
 * whether a run fits a function of that size runs it with these flags.
 */
export function lambdaHeapFlags(memoryMb: number): string[] {
  if (!Number.isInteger(memoryMb) || memoryMb < 128 || memoryMb > 10_240)
    throw new Error(`a Lambda function's memory size is a whole number of MB from 128 to 10240, not ${memoryMb}`);
  const newSpace = Math.floor(memoryMb / 10);
  return [`--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${memoryMb - newSpace}`];
}
