import { runEventParserContract } from "@afsync/testing/runEventParserContract";
import { awsEventParser } from "../src/events/parseAwsEvent.ts";
import { EXPECTED_HINTS } from "./expectedAwsHints.ts";

runEventParserContract(awsEventParser, {
  samples: "aws",
  expected: Object.fromEntries(Object.entries(EXPECTED_HINTS).map(([name, hint]) => [name, [hint]])),
});
