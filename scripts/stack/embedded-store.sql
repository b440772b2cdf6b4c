-- Set-up of the PostgreSQL cluster behind the embedded store (FerretDB v1,
-- --handler=pg). Run by embeddedStore.ts at every start; idempotent.
--
-- Why: FerretDB pushes an equality filter down as `_jsonb -> 'field' @> value`
-- (containment, because a MongoDB equality also matches an array element),
-- and creates each MongoDB index as a btree on `(_jsonb -> 'field')`. A btree
-- cannot answer `@>`, so every pushed-down lookup was a sequential scan of
-- the collection's table. For every field of every btree index FerretDB
-- creates, this adds a GIN (jsonb_path_ops) index on the same expression,
-- which answers `@>`: the MongoDB index a service declares becomes the index
-- its queries use. The btree stays for uniqueness.

CREATE OR REPLACE FUNCTION shopcart_gin_companions(target oid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  idx record;
  k int;
  expr text;
  fields text[];
  target_expr text;
  index_name text;
BEGIN
  FOR idx IN
    SELECT i.indexrelid, i.indnkeyatts, t.relname AS table_name, n.nspname AS schema_name
    FROM pg_index i
    JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_am am ON am.oid = ic.relam
    JOIN pg_class t ON t.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE am.amname = 'btree'
      AND i.indexprs IS NOT NULL
      AND t.relname NOT LIKE '\_ferretdb\_%'
      AND (target IS NULL OR i.indexrelid = target)
  LOOP
    FOR k IN 1..idx.indnkeyatts LOOP
      expr := pg_get_indexdef(idx.indexrelid, k, false);
      -- Only FerretDB's field expressions: (_jsonb -> 'a'::text) [-> 'b'::text ...].
      CONTINUE WHEN expr !~ '^\(+_jsonb( -> ''[^'']+''::text\)*)+$';
      SELECT array_agg(m[1]) INTO fields FROM regexp_matches(expr, '''([^'']+)''::text', 'g') AS m;
      -- FerretDB filters a dotted path with #> and a top-level field with ->.
      IF array_length(fields, 1) = 1 THEN
        target_expr := format('(_jsonb -> %L)', fields[1]);
      ELSE
        target_expr := format('(_jsonb #> %L::text[])', fields);
      END IF;
      index_name := left(idx.table_name, 40) || '_' || left(md5(array_to_string(fields, '.')), 12) || '_gin';
      EXECUTE format(
        'CREATE INDEX IF NOT EXISTS %I ON %I.%I USING gin (%s jsonb_path_ops) WITH (fastupdate = off)',
        index_name, idx.schema_name, idx.table_name, target_expr
      );
    END LOOP;
  END LOOP;
END $$;

-- Indexes created before this ran (a cluster from an earlier version).
SELECT shopcart_gin_companions(NULL);

-- Compare-and-set for documents that carry a revision (`_rev`).
--
-- Why: FerretDB v1 runs a conditional update as a read, then a write of the
-- whole document by _id, without isolation: two processes updating one
-- document at once both pass the condition and the second write undoes the
-- first (two replicas of inventory would both sell the last unit). A
-- document whose writers all bump `_rev` (the kit's `revisioned` schema
-- plugin) is guarded here: PostgreSQL locks the row for the first writer and
-- shows the second writer's update the row as the first left it, so a write
-- that does not raise the revision above the stored one was computed from a
-- stale read and is refused. The service retries it (kit `retryOnConflict`),
-- which reads the document again and checks its condition anew. MongoDB
-- isolates single-document updates itself and needs none of this.

CREATE OR REPLACE FUNCTION shopcart_revision_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD._jsonb ? '_rev'
     AND (NOT (NEW._jsonb ? '_rev') OR (NEW._jsonb ->> '_rev')::numeric <= (OLD._jsonb ->> '_rev')::numeric) THEN
    RAISE EXCEPTION 'shopcart_write_conflict: the document changed since it was read'
      USING ERRCODE = 'serialization_failure';
  END IF;
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION shopcart_guard_tables(target oid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  t record;
BEGIN
  FOR t IN
    SELECT c.oid, c.relname, n.nspname
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = '_jsonb' AND NOT a.attisdropped
    WHERE c.relkind = 'r'
      AND c.relname NOT LIKE '\_ferretdb\_%'
      AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'public')
      AND (target IS NULL OR c.oid = target)
      AND NOT EXISTS (SELECT 1 FROM pg_trigger g WHERE g.tgrelid = c.oid AND g.tgname = 'shopcart_revision_guard')
  LOOP
    EXECUTE format('CREATE TRIGGER shopcart_revision_guard BEFORE UPDATE ON %I.%I FOR EACH ROW EXECUTE FUNCTION shopcart_revision_guard()', t.nspname, t.relname);
  END LOOP;
END $$;

-- What FerretDB creates from now on gets both at once: GIN companions for its
-- indexes, the revision guard for its tables.
CREATE OR REPLACE FUNCTION shopcart_on_ddl() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
  cmd record;
BEGIN
  FOR cmd IN SELECT objid, object_type FROM pg_event_trigger_ddl_commands() WHERE object_type IN ('index', 'table') LOOP
    IF cmd.object_type = 'index' THEN
      PERFORM shopcart_gin_companions(cmd.objid);
    ELSE
      PERFORM shopcart_guard_tables(cmd.objid);
    END IF;
  END LOOP;
END $$;

DROP EVENT TRIGGER IF EXISTS shopcart_gin_companions;
DROP EVENT TRIGGER IF EXISTS shopcart_guard_tables;
DROP FUNCTION IF EXISTS shopcart_on_create_index();
DROP FUNCTION IF EXISTS shopcart_on_create_table();
DROP EVENT TRIGGER IF EXISTS shopcart_on_ddl;
CREATE EVENT TRIGGER shopcart_on_ddl ON ddl_command_end
  WHEN TAG IN ('CREATE INDEX', 'CREATE TABLE') EXECUTE FUNCTION shopcart_on_ddl();

SELECT shopcart_guard_tables(NULL);
