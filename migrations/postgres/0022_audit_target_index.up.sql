-- An artifact's history (GET /api/v1/repositories/{key}/history/{path})
-- filters the audit log by its exact target, newest first.
CREATE INDEX audit_events_target_idx ON audit_events (target, at);
