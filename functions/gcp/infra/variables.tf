variable "project_id" {
  description = "The project that holds the secrets and runs the functions."
  type        = string
}

variable "region" {
  description = "Region of the functions, the Scheduler job and the regional Pub/Sub endpoint every producer publishes through (ordering holds per region)."
  type        = string
  default     = "us-central1"
}

variable "name" {
  description = "Prefix of every resource this creates."
  type        = string
  default     = "afsync"
}

variable "source_dir" {
  description = "What `npm run package:gcp` wrote: index.js, package.json and afsync.config.yaml."
  type        = string
  default     = "../dist"
}

variable "secret_prefixes" {
  description = "The secret-id prefixes afsync reads (connections_prefix, variables_prefix, config_prefix of the gcp-secret-manager sources in afsync.config.yaml, each with its separator). The worker may access versions of these secrets only."
  type        = list(string)
  default     = ["airflow-connections-", "airflow-variables-"]
}

variable "notification_topic" {
  description = "The topic every afsync-managed secret names in its `topics` (Secret Manager publishes each change there)."
  type        = string
  default     = "airflow-secrets"
}

variable "notification_delivery" {
  description = "How Secret Manager notifications reach afsync: \"eventarc\" (the events function, a messagePublished CloudEvent) or \"push\" (an authenticated push subscription to the push function)."
  type        = string
  default     = "eventarc"
  validation {
    condition     = contains(["eventarc", "push"], var.notification_delivery)
    error_message = "notification_delivery must be \"eventarc\" or \"push\"."
  }
}

variable "oidc_audience" {
  description = "The audience the push subscriptions and the Scheduler job put in their OIDC tokens; the functions refuse any other (AFSYNC_OIDC_AUDIENCE)."
  type        = string
  default     = "afsync"
}

variable "env_from_secrets" {
  description = "Environment variable → Secret Manager secret id (in this project), mounted as secret environment variables: the config's `_env` options (HMAC key, target credentials, webhook secret) name these variables. Never put these secrets under the synced prefixes."
  type        = map(string)
  default = {
    AFSYNC_HMAC_KEY       = "afsync-hmac-key"
    AFSYNC_WEBHOOK_SECRET = "afsync-webhook-secret"
    AIRFLOW_USERNAME      = "afsync-airflow-username"
    AIRFLOW_PASSWORD      = "afsync-airflow-password"
  }
}

variable "reconcile_env_from_secrets" {
  description = "The subset of env_from_secrets the reconcile needs: the HMAC key its fan-out fingerprints are keyed with (ADR 011)."
  type        = list(string)
  default     = ["AFSYNC_HMAC_KEY"]
}

variable "producer_env_from_secrets" {
  description = "The subset of env_from_secrets the producers (events, push, reconcile) need: the webhook's signing secret only."
  type        = list(string)
  default     = ["AFSYNC_WEBHOOK_SECRET"]
}

variable "reconcile_schedule" {
  description = "Cloud Scheduler cron for the full reconciliation."
  type        = string
  default     = "*/15 * * * *"
}

variable "worker_timeout_seconds" {
  description = "The worker's timeout; the worker subscription's ack deadline is set above it (Pub/Sub's maximum is 600)."
  type        = number
  default     = 300
}

variable "coalescing" {
  description = "ADR 008: sync messages go to a work topic with one filtered pull subscription per Deployment of afsync.config.yaml, and a doorbell per Deployment to the worker, which folds everything waiting into one run. false: one worker run per sync message (the path before issue 14)."
  type        = bool
  default     = true
}

variable "batching_window_seconds" {
  description = "With coalescing: how long after a doorbell was published the worker pulls, so a burst lands in one run (AFSYNC_BATCHING_WINDOW_SECONDS). It adds to the worker's run time, so keep it well under worker_timeout_seconds."
  type        = number
  default     = 10
  validation {
    condition     = var.batching_window_seconds >= 0 && var.batching_window_seconds <= 300
    error_message = "batching_window_seconds must be 0–300."
  }
}
