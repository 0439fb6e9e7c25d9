// The AWS package's surface. Import by subpath where bundle size matters
// (`@afsync/aws/events/parseAwsEvent` does not load the AWS SDK; the sources do).
export {
  awsSecretsManagerSourceFactory,
  awsSsmSourceFactory,
  createAwsSecretsManagerSource,
  createAwsSsmSource,
} from "./awsSourceFactory.ts";
export { createSecretsManagerClient, createSsmClient } from "./createAwsClient.ts";
export { awsEventParser, isAwsEvent, type ParseAwsEventOptions, parseAwsEvent } from "./events/parseAwsEvent.ts";
export { SecretsManagerSource } from "./SecretsManagerSource.ts";
export { SsmParameterSource } from "./SsmParameterSource.ts";
export { parseSecretId, secretNameOf } from "./secretName.ts";
