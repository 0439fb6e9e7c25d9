import { AfsyncError } from "@afsync/core";
import { astroCallError, astroNetworkError, type EnvironmentObjectClient } from "./astroClient.ts";
import type {
  CreateEnvironmentObjectRequest,
  EnvironmentObject,
  EnvironmentScope,
  UpdateEnvironmentObjectRequest,
} from "./environmentObjectBodies.ts";

const PAGE = 1000;

/**
 * The Environment Manager calls of one scope, with Astro's answers turned into outcomes afsync
 * acts on (`exists`, `gone`) or into RemoteCallErrors whose message names the call and carries
 * the server's message, scrubbed of the values sent.
 */
export class EnvironmentObjectApi {
  readonly #client: EnvironmentObjectClient;
  readonly #organizationId: string;
  readonly #scope: EnvironmentScope;

  constructor(client: EnvironmentObjectClient, organizationId: string, scope: EnvironmentScope) {
    this.#client = client;
    this.#organizationId = organizationId;
    this.#scope = scope;
  }

  /**
   * Every object living in the scope (paged as astro-cli pages: `limit=1000`, `offset` += page
   * size until `totalCount`), or those with one key and type. `onCall` counts the pages.
   */
  async list(
    filter?: { objectKey: string; objectType: EnvironmentObject["objectType"] },
    onCall?: () => void,
  ): Promise<EnvironmentObject[]> {
    const out: EnvironmentObject[] = [];
    const scopeFilter =
      this.#scope.scope === "WORKSPACE" ? { workspaceId: this.#scope.scopeEntityId } : { deploymentId: this.#scope.scopeEntityId };
    const what = `ListEnvironmentObjects in ${this.#scope.scopeEntityId}`;
    for (let offset = 0; ; ) {
      onCall?.();
      const page = await this.#call(what, async () => {
        const { data, error, response } = await this.#client.GET("/organizations/{organizationId}/environment-objects", {
          params: {
            path: { organizationId: this.#organizationId },
            // resolveLinked=false: only objects that live in this scope, with ids we can address.
            query: { ...scopeFilter, ...(filter ?? {}), resolveLinked: false, limit: PAGE, offset },
          },
        });
        if (data === undefined) throw astroCallError(what, response, error);
        return data;
      });
      out.push(...page.environmentObjects);
      offset += page.environmentObjects.length;
      if (page.environmentObjects.length === 0 || offset >= page.totalCount) break;
    }
    return out.filter((o) => o.scope === this.#scope.scope && o.scopeEntityId === this.#scope.scopeEntityId);
  }

  /** `exists` on 409: a duplicate, or a retried create whose first attempt landed. */
  async create(body: CreateEnvironmentObjectRequest, sent: readonly string[]): Promise<"created" | "exists"> {
    return (await this.createObject(body, sent)) === "exists" ? "exists" : "created";
  }

  /** As `create`, with the new object's id (the API answers just that). */
  createObject(body: CreateEnvironmentObjectRequest, sent: readonly string[]): Promise<{ id: string } | "exists"> {
    const what = `CreateEnvironmentObject ${body.objectKey}`;
    return this.#call(what, async () => {
      const { data, error, response } = await this.#client.POST("/organizations/{organizationId}/environment-objects", {
        params: { path: { organizationId: this.#organizationId } },
        body,
      });
      if (data !== undefined) return { id: data.id };
      if (response.status === 409) return "exists";
      throw astroCallError(what, response, error, sent);
    });
  }

  /** `gone` on 404: deleted since it was listed. */
  update(object: EnvironmentObject, body: UpdateEnvironmentObjectRequest, sent: readonly string[]): Promise<"updated" | "gone"> {
    const what = `UpdateEnvironmentObject ${object.objectKey}`;
    return this.#call(what, async () => {
      const { data, error, response } = await this.#client.POST(
        "/organizations/{organizationId}/environment-objects/{environmentObjectId}",
        {
          params: { path: { organizationId: this.#organizationId, environmentObjectId: object.id } },
          body,
        },
      );
      if (data !== undefined) return "updated";
      if (response.status === 404) return "gone";
      throw astroCallError(what, response, error, sent);
    });
  }

  /** A 404 counts as done: already gone, or a retried delete whose first attempt landed. */
  delete(object: EnvironmentObject): Promise<void> {
    const what = `DeleteEnvironmentObject ${object.objectKey}`;
    return this.#call(what, async () => {
      const { error, response } = await this.#client.DELETE("/organizations/{organizationId}/environment-objects/{environmentObjectId}", {
        params: { path: { organizationId: this.#organizationId, environmentObjectId: object.id } },
      });
      if (!response.ok && response.status !== 404) throw astroCallError(what, response, error);
    });
  }

  async #call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      // AfsyncErrors (ours, already scrubbed) pass through; anything else is the transport failing.
      if (e instanceof AfsyncError) throw e;
      throw astroNetworkError(what, e);
    }
  }
}
