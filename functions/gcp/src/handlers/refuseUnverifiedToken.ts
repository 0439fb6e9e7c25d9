import type { Logger } from "@afsync/core";
import type { Request, Response } from "@google-cloud/functions-framework";
import type { VerifyGoogleToken } from "../runtime/GcpFunctionDeps.ts";

/**
 * The OIDC check in front of every Google-invoked HTTP function (push subscriptions, Cloud
 * Scheduler): answers 401 without a token and 403 with a bad one, and returns false so the
 * caller runs nothing. The reason names what failed, never the token.
 */
export async function refuseUnverifiedToken(req: Request, res: Response, verify: VerifyGoogleToken, logger: Logger): Promise<boolean> {
  const authorization = req.get("authorization");
  const verdict = await verify(authorization);
  if (verdict.ok) return false;
  const status = authorization === undefined || authorization.trim() === "" ? 401 : 403;
  logger.log("warn", "request refused: OIDC token check failed", { path: req.path, status, reason: verdict.reason });
  res.status(status).json({ error: verdict.reason });
  return true;
}
