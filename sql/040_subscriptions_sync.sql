-- Subscriptions list with updated_since (API.md "Sync"): their updated_at moves with
-- every change, the server's own included (the worker disabling one), as sql/037 makes
-- it for the other tables; sql/036 came before the touch trigger existed.
CREATE TRIGGER zz_subscriptions_touch_updated_at BEFORE UPDATE ON subscriptions
FOR EACH ROW EXECUTE FUNCTION peerd_touch_updated_at();

CREATE INDEX subscriptions_by_change ON subscriptions (organization_id, updated_at, id);
