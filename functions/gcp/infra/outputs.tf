output "notification_topic" {
  description = "Name this topic in every afsync-managed secret's `topics` (gcloud secrets create … --topics=…)."
  value       = google_pubsub_topic.notifications.id
}

output "webhook_url" {
  description = "The signed webhook (X-Afsync-Signature), as afsync serve's POST /hooks/generic."
  value       = "${google_cloudfunctions2_function.fn["push"].service_config[0].uri}/hooks/generic"
}

output "functions" {
  description = "Function name → URL."
  value       = { for k, f in google_cloudfunctions2_function.fn : k => f.service_config[0].uri }
}

output "worker_service_account" {
  value = google_service_account.worker.email
}

output "dead_letter_subscription" {
  description = "Messages the worker failed 5 times; the next reconciliation repairs what they missed."
  value       = google_pubsub_subscription.dead_letter_keep.id
}

output "work_subscriptions" {
  description = "With coalescing: each Deployment's filtered pull subscription of the work topic (ADR 008); its backlog is the Deployment's work not yet applied."
  value       = { for k, s in google_pubsub_subscription.work : k => s.id }
}
