"""A stream keeps the type it was created with: the database refuses any other.

Both append functions read each stream's head row (one backward index probe per
stream, under the append lock) and refuse, before writing anything:

- SE422 when the stream exists with another `stream_type`, or one call would create
  it with two types;
- SE409 when the stream is not at the expected version (as before).

`eventstore_append_many` is the batch form the executor uses: it replaces the lock,
head check and INSERT that `EventStore.append_many` sent as three statements, so no
append reaches the table without the checks. Refusals carry a JSON DETAIL
(`stream_id`, and `expected`/`actual` or `stream_type`/`refused`) that
`eventstore.store` turns into ConcurrencyError or StreamTypeError.
"""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION eventstore_append(
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
    current_type text;
BEGIN
    -- 7283 is the event store's lock key: one appender at a time, until commit.
    PERFORM pg_advisory_xact_lock(7283);
    SELECT e.version, e.stream_type INTO current_version, current_type
        FROM eventstore_event AS e WHERE e.stream_id = p_stream_id
        ORDER BY e.version DESC LIMIT 1;
    current_version := coalesce(current_version, 0);
    IF current_type <> p_stream_type THEN
        RAISE EXCEPTION 'stream % is a %, not a %', p_stream_id, current_type, p_stream_type
            USING ERRCODE = 'SE422', DETAIL = json_build_object(
                'stream_id', p_stream_id, 'stream_type', current_type,
                'refused', p_stream_type)::text;
    END IF;
    -- p_expected_version: -1 means any version, 0 means no stream yet, N means exactly N.
    IF p_expected_version >= 0 AND current_version <> p_expected_version THEN
        RAISE EXCEPTION 'stream % is at version %, expected %',
            p_stream_id, current_version, p_expected_version
            USING ERRCODE = 'SE409', DETAIL = json_build_object(
                'stream_id', p_stream_id, 'expected', p_expected_version,
                'actual', current_version)::text;
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

-- Row i of the arrays is one event; p_data and p_metadata are JSON arrays of the same
-- length. Each stream's rows must follow on its head: versions head+1, head+2, ...
CREATE FUNCTION eventstore_append_many(
    p_stream_ids uuid[],
    p_stream_types text[],
    p_versions integer[],
    p_types text[],
    p_schema_versions smallint[],
    p_data jsonb,
    p_metadata jsonb
) RETURNS TABLE (appended_position bigint, appended_stream_id uuid, appended_version integer)
LANGUAGE plpgsql AS $$
DECLARE
    s record;
    refused_type text;
BEGIN
    PERFORM pg_advisory_xact_lock(7283);
    FOR s IN
        SELECT k.stream_id, k.types, k.expected, k.dense,
               coalesce(h.version, 0) AS head, coalesce(h.stream_type, k.types[1]) AS owner
        FROM (
            SELECT a.stream_id, array_agg(a.stream_type ORDER BY a.n) AS types,
                   min(a.version) - 1 AS expected,
                   count(*) = max(a.version) - min(a.version) + 1 AS dense
            FROM unnest(p_stream_ids, p_stream_types, p_versions)
                WITH ORDINALITY AS a(stream_id, stream_type, version, n)
            GROUP BY a.stream_id
        ) AS k
        LEFT JOIN LATERAL (
            SELECT e.version, e.stream_type FROM eventstore_event AS e
            WHERE e.stream_id = k.stream_id ORDER BY e.version DESC LIMIT 1
        ) AS h ON true
    LOOP
        refused_type := (SELECT t FROM unnest(s.types) AS t WHERE t <> s.owner LIMIT 1);
        IF refused_type IS NOT NULL THEN
            RAISE EXCEPTION 'stream % is a %, not a %', s.stream_id, s.owner, refused_type
                USING ERRCODE = 'SE422', DETAIL = json_build_object(
                    'stream_id', s.stream_id, 'stream_type', s.owner,
                    'refused', refused_type)::text;
        END IF;
        IF s.head <> s.expected OR NOT s.dense THEN
            RAISE EXCEPTION 'stream % is at version %, expected %',
                s.stream_id, s.head, s.expected
                USING ERRCODE = 'SE409', DETAIL = json_build_object(
                    'stream_id', s.stream_id, 'expected', s.expected, 'actual', s.head)::text;
        END IF;
    END LOOP;
    RETURN QUERY
        INSERT INTO eventstore_event
            (stream_id, stream_type, version, type, schema_version, data, metadata)
        SELECT e.stream_id, e.stream_type, e.version, e.type, e.schema_version, d.value,
               m.value
        FROM unnest(p_stream_ids, p_stream_types, p_versions, p_types, p_schema_versions)
            WITH ORDINALITY AS e(stream_id, stream_type, version, type, schema_version, n)
        JOIN jsonb_array_elements(p_data) WITH ORDINALITY AS d(value, n) ON d.n = e.n
        JOIN jsonb_array_elements(p_metadata) WITH ORDINALITY AS m(value, n) ON m.n = e.n
        ORDER BY e.n
        RETURNING position, stream_id, version;
END $$;
"""

BACKWARD = r"""
DROP FUNCTION eventstore_append_many(
    uuid[], text[], integer[], text[], smallint[], jsonb, jsonb);

CREATE OR REPLACE FUNCTION eventstore_append(
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
    PERFORM pg_advisory_xact_lock(7283);
    SELECT coalesce(max(version), 0) INTO current_version
        FROM eventstore_event WHERE stream_id = p_stream_id;
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


class Migration(migrations.Migration):
    dependencies = [("eventstore", "0005_command_causation_index")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
