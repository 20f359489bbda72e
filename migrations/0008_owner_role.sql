-- A NOLOGIN owner (issue 12). Until now the schema, its tables and its SECURITY DEFINER functions
-- belonged to whichever login ran `sigverify migrate` — often a superuser, so every SECURITY
-- DEFINER function ran with superuser rights. From here on everything in the schema belongs to
-- `sigverify_owner`, which nobody can log in as: the functions run with exactly the owner's rights,
-- and the operators who may change the schema (or switch its triggers off) are the members of
-- sigverify_owner, listed in pg_auth_members. `sigverify migrate` runs every later migration as
-- sigverify_owner (SET LOCAL ROLE), so what they create belongs to it too. The login running this
-- migration needs to be a superuser or hold CREATEROLE (0006 already needed that); it becomes a
-- member.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'sigverify_owner') THEN
        BEGIN
            CREATE ROLE sigverify_owner NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;  -- created meanwhile by a migration of another database
        END;
    END IF;
    IF NOT pg_catalog.pg_has_role(current_user, 'sigverify_owner', 'MEMBER') THEN
        EXECUTE format('GRANT sigverify_owner TO %I', current_user);
    END IF;
END $$;

-- The schema and everything in it (indexes, identity sequences and row types follow their tables).
DO $$
DECLARE
    r record;
BEGIN
    ALTER SCHEMA sigverify OWNER TO sigverify_owner;
    FOR r IN
        SELECT c.relname, c.relkind FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'sigverify' AND c.relkind IN ('r', 'v', 'm', 'p')
    LOOP
        EXECUTE format('ALTER %s sigverify.%I OWNER TO sigverify_owner',
                       CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END, r.relname);
    END LOOP;
    FOR r IN
        SELECT p.oid::regprocedure AS signature FROM pg_catalog.pg_proc p
        JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'sigverify'
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO sigverify_owner', r.signature);
    END LOOP;
END $$;

ALTER DEFAULT PRIVILEGES FOR ROLE sigverify_owner IN SCHEMA sigverify GRANT SELECT ON TABLES TO sigverify_auditor;
