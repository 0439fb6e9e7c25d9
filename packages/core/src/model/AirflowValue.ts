import type { Connection } from "./Connection.ts";

/** What a key resolves to: a connection, or a variable's string value (JSON values stay strings, as in Airflow). */
export type AirflowValue =
  | { readonly kind: "connection"; readonly connection: Connection }
  | { readonly kind: "variable"; readonly value: string };
