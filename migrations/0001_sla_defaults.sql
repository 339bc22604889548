-- Default SLA policies (API.md "SLA defaults"); editable through /api/v1/sla-policies.
INSERT INTO sla_policies (name, priority, first_response_minutes, next_response_minutes, resolution_minutes, escalation_minutes, business_hours) VALUES
  ('critical', 'critical', 60, 60, 240, 120, 0),
  ('high', 'high', 240, 240, 1440, 480, 0),
  ('medium', 'medium', 480, 480, 4320, 1440, 0),
  ('low', 'low', 1440, 1440, 10080, 2880, 0);
