# afsync on Google Cloud: the four functions of functions/gcp (one bundle, four entry points),
# the Secret Manager notification topic and its delivery, the ordered worker topic (ADR 005),
# the Scheduler job, and least-privilege service accounts. See docs/deploy/gcp.md.

data "google_project" "this" {}

locals {
  project_number = data.google_project.this.number
  sync_topic     = "${var.name}-sync"
  work_topic     = "${var.name}-work"
  # Each Deployment's work subscription is this prefix + its id (the worker derives the name the same way).
  work_subscription_prefix = "${var.name}-work-"
  # The Deployments of the packaged config: one filtered pull subscription each (ADR 008).
  deployments = var.coalescing ? keys(yamldecode(file("${var.source_dir}/afsync.config.yaml")).deployments) : []
  function_env = merge({
    AFSYNC_CONFIG               = "afsync.config.yaml"
    AFSYNC_SYNC_TOPIC           = google_pubsub_topic.sync.id
    AFSYNC_PUBSUB_ENDPOINT      = "${var.region}-pubsub.googleapis.com:443"
    AFSYNC_OIDC_AUDIENCE        = var.oidc_audience
    AFSYNC_OIDC_SERVICE_ACCOUNT = google_service_account.invoker.email
    # The reconcile fan-out's ledger (ADR 011): one object per Deployment, written by the reconcile and the worker.
    AFSYNC_FANOUT_BUCKET = google_storage_bucket.fanout.name
    }, var.coalescing ? {
    AFSYNC_WORK_TOPIC               = google_pubsub_topic.work[0].id
    AFSYNC_WORK_SUBSCRIPTION_PREFIX = "projects/${var.project_id}/subscriptions/${local.work_subscription_prefix}"
    AFSYNC_BATCHING_WINDOW_SECONDS  = tostring(var.batching_window_seconds)
  } : {})
  # IAM conditions see a secret version as projects/<number>/secrets/<id>/versions/<n>.
  prefix_condition = join(" || ", [for p in var.secret_prefixes : "resource.name.startsWith(\"projects/${local.project_number}/secrets/${p}\")"])
  pubsub_agent     = "serviceAccount:service-${local.project_number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

resource "google_project_service" "apis" {
  for_each = toset([
    "cloudfunctions.googleapis.com", "run.googleapis.com", "cloudbuild.googleapis.com", "artifactregistry.googleapis.com",
    "eventarc.googleapis.com", "pubsub.googleapis.com", "cloudscheduler.googleapis.com", "secretmanager.googleapis.com",
  ])
  service            = each.value
  disable_on_destroy = false
}

# ---------------------------------------------------------------- service accounts
resource "google_service_account" "worker" {
  account_id   = "${var.name}-worker"
  display_name = "afsync worker: reads the prefixed secrets, writes the targets"
}

resource "google_service_account" "producer" {
  account_id   = "${var.name}-producer"
  display_name = "afsync events/push: publishes to the worker topic, reads no synced secret"
}

# The reconcile fans out only the Deployments whose snapshot changed (ADR 011). Secret Manager
# lists no versions, so it reads the prefixed secrets once per firing (reduced to keyed hashes at
# once), which the producers' account must not: it has its own.
resource "google_service_account" "reconcile" {
  account_id   = "${var.name}-reconcile"
  display_name = "afsync reconcile: reads the prefixed secrets to fingerprint them, publishes, keeps the fan-out ledger"
}

resource "google_service_account" "invoker" {
  account_id   = "${var.name}-invoker"
  display_name = "afsync invoker: the identity of the push subscriptions, Eventarc and Scheduler (OIDC)"
}

# Values: roles/secretmanager.secretAccessor on the prefixed secrets only.
resource "google_project_iam_member" "worker_reads_prefixed_secrets" {
  project = var.project_id
  role    = "roles/secretmanager.secretAccessor"
  member  = "serviceAccount:${google_service_account.worker.email}"
  condition {
    title       = "afsync prefixes only"
    description = "Secrets whose id starts with one of afsync's prefixes"
    expression  = local.prefix_condition
  }
}

resource "google_project_iam_member" "reconcile_reads_prefixed_secrets" {
  project = var.project_id
  role    = "roles/secretmanager.secretAccessor"
  member  = "serviceAccount:${google_service_account.reconcile.email}"
  condition {
    title       = "afsync prefixes only"
    description = "Secrets whose id starts with one of afsync's prefixes"
    expression  = local.prefix_condition
  }
}

# ListSecrets is a project-level call, which a resource-name condition cannot match; this role
# lists names and metadata only, never a value (secretmanager.secrets.list, versions.get).
resource "google_project_iam_custom_role" "secret_lister" {
  role_id     = replace("${var.name}_secret_lister", "-", "_")
  title       = "afsync secret lister"
  permissions = ["secretmanager.secrets.list", "secretmanager.versions.get"]
}

resource "google_project_iam_member" "worker_lists_secrets" {
  project = var.project_id
  role    = google_project_iam_custom_role.secret_lister.id
  member  = "serviceAccount:${google_service_account.worker.email}"
}

resource "google_project_iam_member" "reconcile_lists_secrets" {
  project = var.project_id
  role    = google_project_iam_custom_role.secret_lister.id
  member  = "serviceAccount:${google_service_account.reconcile.email}"
}

# The deploy-time secrets mounted as env vars: the worker gets all of them, the producers only theirs.
resource "google_secret_manager_secret_iam_member" "worker_env" {
  for_each  = var.env_from_secrets
  secret_id = each.value
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.worker.email}"
}

resource "google_secret_manager_secret_iam_member" "producer_env" {
  for_each  = toset(var.producer_env_from_secrets)
  secret_id = var.env_from_secrets[each.value]
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.producer.email}"
}

resource "google_secret_manager_secret_iam_member" "reconcile_env" {
  for_each  = toset(var.reconcile_env_from_secrets)
  secret_id = var.env_from_secrets[each.value]
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.reconcile.email}"
}

# ---------------------------------------------------------------- fan-out ledger
resource "google_storage_bucket" "fanout" {
  name                        = "${var.project_id}-${var.name}-fanout"
  location                    = var.region
  uniform_bucket_level_access = true
}

# Create, read, list and overwrite objects (an overwrite needs delete): the reconcile and the worker.
resource "google_storage_bucket_iam_member" "fanout_ledger" {
  for_each = {
    worker    = google_service_account.worker.email
    reconcile = google_service_account.reconcile.email
  }
  bucket = google_storage_bucket.fanout.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${each.value}"
}

# ---------------------------------------------------------------- topics
resource "google_pubsub_topic" "notifications" {
  name       = var.notification_topic
  depends_on = [google_project_service.apis]
}

# Secret Manager publishes the notifications as its service agent.
resource "google_project_service_identity" "secretmanager" {
  provider = google-beta
  service  = "secretmanager.googleapis.com"
}

resource "google_pubsub_topic_iam_member" "secretmanager_publishes" {
  topic  = google_pubsub_topic.notifications.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_project_service_identity.secretmanager.email}"
}

resource "google_pubsub_topic" "sync" {
  name = local.sync_topic
  # Ordering holds per region: the producers publish through AFSYNC_PUBSUB_ENDPOINT in this region.
  message_storage_policy {
    allowed_persistence_regions = [var.region]
  }
  depends_on = [google_project_service.apis]
}

# ADR 008: with coalescing, the sync messages wait here, one filtered pull subscription per
# Deployment, and the sync topic carries only doorbells ("pull <the group's Deployments>"), so the worker folds a
# burst into one run instead of one run per message.
resource "google_pubsub_topic" "work" {
  count = var.coalescing ? 1 : 0
  name  = local.work_topic
  message_storage_policy {
    allowed_persistence_regions = [var.region]
  }
  depends_on = [google_project_service.apis]
}

resource "google_pubsub_topic_iam_member" "producer_publishes_work" {
  count  = var.coalescing ? 1 : 0
  topic  = google_pubsub_topic.work[0].id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.producer.email}"
}

resource "google_pubsub_topic_iam_member" "reconcile_publishes_work" {
  count  = var.coalescing ? 1 : 0
  topic  = google_pubsub_topic.work[0].id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.reconcile.email}"
}

# A subscription only holds what is published after it exists: apply before the producers use a
# new Deployment (a message published earlier is repaired by the next reconciliation).
resource "google_pubsub_subscription" "work" {
  for_each = toset(local.deployments)
  name     = "${local.work_subscription_prefix}${each.key}"
  topic    = google_pubsub_topic.work[0].id
  # Pub/Sub acknowledges what does not match, so each Deployment's pull sees its own work only.
  # A key with a hyphen may be written bare; the filter cannot be changed after creation.
  filter = "attributes.afsync-deployment = \"${each.key}\""
  # A pull leases the messages until the run is over: above the worker's timeout (600 s at most).
  ack_deadline_seconds       = min(600, var.worker_timeout_seconds + 60)
  message_retention_duration = "604800s"
  # Never expire: a quiet Deployment's subscription must outlive Pub/Sub's 31 idle days.
  expiration_policy {
    ttl = ""
  }
  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.sync_dead_letter.id
    max_delivery_attempts = 5
  }
  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }
}

resource "google_pubsub_subscription_iam_member" "worker_pulls_work" {
  for_each     = google_pubsub_subscription.work
  subscription = each.value.id
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:${google_service_account.worker.email}"
}

resource "google_pubsub_subscription_iam_member" "pubsub_agent_acks_work" {
  for_each     = google_pubsub_subscription.work
  subscription = each.value.id
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}

resource "google_pubsub_topic" "sync_dead_letter" {
  name = "${local.sync_topic}-dead-letter"
}

resource "google_pubsub_topic_iam_member" "producer_publishes" {
  topic  = google_pubsub_topic.sync.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.producer.email}"
}

resource "google_pubsub_topic_iam_member" "reconcile_publishes" {
  topic  = google_pubsub_topic.sync.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.reconcile.email}"
}

# Dead-lettering is done by the Pub/Sub service agent: it publishes to the DLQ topic and acks the source subscription.
resource "google_pubsub_topic_iam_member" "pubsub_agent_dead_letters" {
  topic  = google_pubsub_topic.sync_dead_letter.id
  role   = "roles/pubsub.publisher"
  member = local.pubsub_agent
}

resource "google_pubsub_subscription_iam_member" "pubsub_agent_acks" {
  subscription = google_pubsub_subscription.worker.id
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}

# Pub/Sub mints the push subscriptions' OIDC tokens as the invoker service account.
resource "google_service_account_iam_member" "pubsub_agent_mints_tokens" {
  service_account_id = google_service_account.invoker.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_agent
}

resource "google_pubsub_subscription" "dead_letter_keep" {
  name                       = "${local.sync_topic}-dead-letter-keep"
  topic                      = google_pubsub_topic.sync_dead_letter.id
  message_retention_duration = "604800s"
}

# ---------------------------------------------------------------- source
resource "google_storage_bucket" "source" {
  name                        = "${var.project_id}-${var.name}-source"
  location                    = var.region
  uniform_bucket_level_access = true
}

data "archive_file" "source" {
  type        = "zip"
  source_dir  = var.source_dir
  output_path = "${path.module}/.terraform/afsync-functions-gcp.zip"
}

resource "google_storage_bucket_object" "source" {
  # The hash in the name makes a new package a new object, so the functions rebuild.
  name   = "afsync-functions-gcp-${data.archive_file.source.output_md5}.zip"
  bucket = google_storage_bucket.source.name
  source = data.archive_file.source.output_path
}

# ---------------------------------------------------------------- functions
locals {
  functions = {
    events    = { sa = google_service_account.producer.email, timeout = 60, env_secrets = var.producer_env_from_secrets, enabled = var.notification_delivery == "eventarc" }
    push      = { sa = google_service_account.producer.email, timeout = 60, env_secrets = var.producer_env_from_secrets, enabled = true }
    reconcile = { sa = google_service_account.reconcile.email, timeout = 60, env_secrets = var.reconcile_env_from_secrets, enabled = true }
    worker    = { sa = google_service_account.worker.email, timeout = var.worker_timeout_seconds, env_secrets = keys(var.env_from_secrets), enabled = true }
  }
}

resource "google_cloudfunctions2_function" "fn" {
  for_each = { for k, v in local.functions : k => v if v.enabled }
  name     = "${var.name}-${each.key}"
  location = var.region

  build_config {
    runtime     = "nodejs20"
    entry_point = each.key
    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    service_account_email = each.value.sa
    timeout_seconds       = each.value.timeout
    available_memory      = "512Mi"
    max_instance_count    = 10
    # One request per instance: the worker's applies and the producers' cold starts stay simple.
    max_instance_request_concurrency = 1
    environment_variables            = local.function_env
    dynamic "secret_environment_variables" {
      for_each = toset(each.value.env_secrets)
      content {
        key        = secret_environment_variables.value
        project_id = var.project_id
        secret     = var.env_from_secrets[secret_environment_variables.value]
        version    = "latest"
      }
    }
  }

  dynamic "event_trigger" {
    for_each = each.key == "events" ? [1] : []
    content {
      trigger_region        = var.region
      event_type            = "google.cloud.pubsub.topic.v1.messagePublished"
      pubsub_topic          = google_pubsub_topic.notifications.id
      service_account_email = google_service_account.invoker.email
      retry_policy          = "RETRY_POLICY_RETRY"
    }
  }

  depends_on = [
    google_project_service.apis, google_secret_manager_secret_iam_member.worker_env, google_secret_manager_secret_iam_member.producer_env,
    google_secret_manager_secret_iam_member.reconcile_env,
  ]
}

# Eventarc invokes the events function as the invoker account (Cloud Run IAM).
resource "google_cloud_run_service_iam_member" "eventarc_invokes_events" {
  count    = var.notification_delivery == "eventarc" ? 1 : 0
  location = var.region
  service  = google_cloudfunctions2_function.fn["events"].service_config[0].service
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.invoker.email}"
}

# push, reconcile and worker check the OIDC token themselves (audience var.oidc_audience, the
# invoker's email): Cloud Run's own check would need the audience to be each function's URL,
# which the function cannot be told before it exists. push also serves the external signed
# webhook. So the three are reachable, and refuse (401/403) anything without a valid token or signature.
resource "google_cloud_run_service_iam_member" "public_http" {
  for_each = toset(["push", "reconcile", "worker"])
  location = var.region
  service  = google_cloudfunctions2_function.fn[each.value].service_config[0].service
  role     = "roles/run.invoker"
  member   = "allUsers"
}

# ---------------------------------------------------------------- deliveries
# The ordered worker subscription (ADR 005): one outstanding message per ordering key.
# With coalescing it carries the doorbells, one per sharing group per producer call and keyed by
# the group (ADR 012), so one worker at a time pulls a group's work; without, the sync messages, keyed by Deployment.
resource "google_pubsub_subscription" "worker" {
  name                    = "${local.sync_topic}-worker"
  topic                   = google_pubsub_topic.sync.id
  enable_message_ordering = true
  ack_deadline_seconds    = min(600, var.worker_timeout_seconds + 60)
  push_config {
    push_endpoint = google_cloudfunctions2_function.fn["worker"].service_config[0].uri
    oidc_token {
      service_account_email = google_service_account.invoker.email
      audience              = var.oidc_audience
    }
  }
  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.sync_dead_letter.id
    max_delivery_attempts = 5
  }
  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }
}

# With notification_delivery = "push": the notifications reach the push function directly.
resource "google_pubsub_subscription" "notifications_push" {
  count                = var.notification_delivery == "push" ? 1 : 0
  name                 = "${var.name}-notifications-push"
  topic                = google_pubsub_topic.notifications.id
  ack_deadline_seconds = 60
  push_config {
    push_endpoint = google_cloudfunctions2_function.fn["push"].service_config[0].uri
    oidc_token {
      service_account_email = google_service_account.invoker.email
      audience              = var.oidc_audience
    }
  }
}

resource "google_cloud_scheduler_job" "reconcile" {
  name     = "${var.name}-reconcile"
  region   = var.region
  schedule = var.reconcile_schedule
  http_target {
    http_method = "POST"
    uri         = google_cloudfunctions2_function.fn["reconcile"].service_config[0].uri
    oidc_token {
      service_account_email = google_service_account.invoker.email
      audience              = var.oidc_audience
    }
  }
  depends_on = [google_project_service.apis]
}
