-- The delivery worker's half of the webhook outbox (sql/036_webhooks.sql; API.md
-- "Subscriptions: the loop back to partners, pushed").

-- certification.expiring goes out once per certification and expiry date, when 30 days
-- or fewer remain in its organization's calendar: this remembers which were announced,
-- so that every instance's worker may scan and none announces twice.
CREATE TABLE certification_expiry_announcements (
    certification_id uuid NOT NULL REFERENCES certifications (id) ON DELETE CASCADE,
    expires_on date NOT NULL,
    announced_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (certification_id, expires_on)
);

-- Announces every active certification that now has 30 days or fewer left and was not
-- announced for its expiry date; returns how many. One statement claims them (the primary
-- key settles two workers racing), and the emit is in the same transaction.
CREATE FUNCTION peerd_webhook_announce_expiring() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_catalog
AS $$
DECLARE
    due record;
    announced integer := 0;
BEGIN
    FOR due IN
        WITH expiring AS (
            SELECT c.id, c.specialist_id, c.expires_on, s.organization_id
            FROM certifications c JOIN specialists s ON s.id = c.specialist_id
            WHERE c.status = 'active'
              AND c.expires_on BETWEEN peerd_organization_today(s.organization_id)
                                   AND peerd_organization_today(s.organization_id) + 30
        ), claimed AS (
            INSERT INTO certification_expiry_announcements (certification_id, expires_on)
            SELECT id, expires_on FROM expiring
            ON CONFLICT DO NOTHING
            RETURNING certification_id, expires_on
        )
        SELECT e.* FROM expiring e
        JOIN claimed c ON c.certification_id = e.id AND c.expires_on = e.expires_on
    LOOP
        PERFORM peerd_webhook_emit(due.organization_id, 'certification.expiring', NULL,
            jsonb_build_object('certification_id', due.id, 'specialist_id', due.specialist_id,
                               'expires_on', due.expires_on));
        announced := announced + 1;
    END LOOP;
    RETURN announced;
END
$$;

REVOKE EXECUTE ON FUNCTION peerd_webhook_announce_expiring() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION peerd_webhook_announce_expiring() TO peerd_service;

-- Records one attempt of a delivery the worker claimed, in one transaction: the log row,
-- and the delivery's new state by outcome:
--   delivered  a 2xx answer: status 'delivered'
--   retry      tried again retry_ms from now
--   failed     the schedule is spent: the delivery 'failed', its subscription disabled
--              with reason and its other pending deliveries 'failed' (they neither block
--              the order per referral nor go out)
--   skipped    not sent (the Part 2 consent of a partner's substance_use referral was
--              revoked since the event): 'failed' with the reason, the subscription kept
CREATE FUNCTION peerd_webhook_record_attempt(delivery uuid, outcome text, status_code integer,
                                             error text, retry_ms bigint, reason text)
RETURNS void
LANGUAGE plpgsql
SET search_path = public, pg_catalog
AS $$
DECLARE
    d webhook_deliveries%ROWTYPE;
BEGIN
    SELECT * INTO d FROM webhook_deliveries WHERE id = delivery FOR UPDATE;
    IF NOT FOUND OR d.status <> 'pending' THEN
        RETURN;
    END IF;
    INSERT INTO webhook_attempts (delivery_id, event_id, subscription_id, organization_id, type,
                                  status_code, error)
    SELECT d.id, d.event_id, d.subscription_id, d.organization_id, e.type, status_code,
           left(error, 1000)
    FROM webhook_events e WHERE e.id = d.event_id;
    UPDATE webhook_deliveries
    SET status = CASE outcome WHEN 'delivered' THEN 'delivered'
                              WHEN 'retry' THEN 'pending'
                              ELSE 'failed' END::webhook_delivery_status,
        delivered_at = CASE WHEN outcome = 'delivered' THEN now() END,
        attempts = attempts + CASE WHEN outcome = 'skipped' THEN 0 ELSE 1 END,
        last_status_code = coalesce(peerd_webhook_record_attempt.status_code, last_status_code),
        last_error = left(error, 1000),
        next_attempt_at = CASE WHEN outcome = 'retry'
                               THEN now() + retry_ms * interval '1 millisecond'
                               ELSE next_attempt_at END,
        updated_at = now()
    WHERE id = d.id;
    IF outcome = 'failed' THEN
        UPDATE subscriptions SET active = false, disabled_reason = left(reason, 500),
                                 version = version + 1,
                                 updated_at = now()
        WHERE id = d.subscription_id AND active;
        UPDATE webhook_deliveries
        SET status = 'failed', last_error = 'not sent: the subscription was disabled',
            updated_at = now()
        WHERE subscription_id = d.subscription_id AND status = 'pending';
    END IF;
END
$$;

REVOKE EXECUTE ON FUNCTION peerd_webhook_record_attempt(uuid, text, integer, text, bigint, text)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION peerd_webhook_record_attempt(uuid, text, integer, text, bigint, text)
    TO peerd_service;
