"""The database's own guarantees for the events table.

- UPDATE, DELETE and TRUNCATE are refused by triggers: events are facts.
- `eventstore_append` checks the expected version and inserts a stream's new events in
  one round trip. It first takes a transaction-scoped advisory lock, so appends commit
  one after another in position order, and a reader that reads `position > checkpoint`
  can never see a later position before an earlier one commits.
"""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION eventstore_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'eventstore_event is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER eventstore_event_no_update_delete
    BEFORE UPDATE OR DELETE ON eventstore_event
    FOR EACH ROW EXECUTE FUNCTION eventstore_refuse_change();

CREATE TRIGGER eventstore_event_no_truncate
    BEFORE TRUNCATE ON eventstore_event
    FOR EACH STATEMENT EXECUTE FUNCTION eventstore_refuse_change();

CREATE FUNCTION eventstore_append(
    p_stream_id uuid,
    p_stream_type text,
    p_expected_version bigint,
    p_types text[],
    p_schema_versions smallint[],
    p_data jsonb[],
    p_metadata jsonb
) RETURNS SETOF bigint LANGUAGE plpgsql AS $$
DECLARE
    current_version integer;
BEGIN
    -- 7283 is the event store's lock key: one appender at a time, until commit.
    PERFORM pg_advisory_xact_lock(7283);
    SELECT coalesce(max(version), 0) INTO current_version
        FROM eventstore_event WHERE stream_id = p_stream_id;
    -- p_expected_version: -1 means any version, 0 means no stream yet, N means exactly N.
    IF p_expected_version >= 0 AND current_version <> p_expected_version THEN
        RAISE EXCEPTION 'stream % is at version %, expected %',
            p_stream_id, current_version, p_expected_version
            USING ERRCODE = 'SE409', DETAIL = current_version::text;
    END IF;
    RETURN QUERY
        INSERT INTO eventstore_event
            (stream_id, stream_type, version, type, schema_version, data, metadata)
        SELECT p_stream_id, p_stream_type, current_version + e.n, e.type, e.schema_version,
               e.data, p_metadata
        FROM unnest(p_types, p_schema_versions, p_data)
            WITH ORDINALITY AS e(type, schema_version, data, n)
        ORDER BY e.n
        RETURNING position;
END $$;
"""

BACKWARD = r"""
DROP FUNCTION eventstore_append(uuid, text, bigint, text[], smallint[], jsonb[], jsonb);
DROP TRIGGER eventstore_event_no_truncate ON eventstore_event;
DROP TRIGGER eventstore_event_no_update_delete ON eventstore_event;
DROP FUNCTION eventstore_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("eventstore", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
