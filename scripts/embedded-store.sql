-- Set-up of the PostgreSQL cluster behind the embedded store (FerretDB v1,
-- --handler=pg). Run by scripts/stack.ts at every start; idempotent.
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

CREATE OR REPLACE FUNCTION shopcart_on_create_index() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
  cmd record;
BEGIN
  FOR cmd IN SELECT objid FROM pg_event_trigger_ddl_commands() WHERE object_type = 'index' LOOP
    PERFORM shopcart_gin_companions(cmd.objid);
  END LOOP;
END $$;

DROP EVENT TRIGGER IF EXISTS shopcart_gin_companions;
CREATE EVENT TRIGGER shopcart_gin_companions ON ddl_command_end
  WHEN TAG IN ('CREATE INDEX') EXECUTE FUNCTION shopcart_on_create_index();

-- Indexes created before this ran (a cluster from an earlier version).
SELECT shopcart_gin_companions(NULL);
