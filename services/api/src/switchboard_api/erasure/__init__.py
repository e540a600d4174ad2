"""Erasure: what deleting a record for good takes with it beyond its row (its events' values,
its S3 objects), the retried deletion of those objects, and the audit of every erasure."""
