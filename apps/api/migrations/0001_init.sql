-- Tenants, their users, sessions (every replica reads them here), and tenant-owned records.
-- Written for PostgreSQL 15; the embedded engine (PGlite) runs the same file.

CREATE TABLE tenants (
  id text PRIMARY KEY,
  name text NOT NULL,
  plan text NOT NULL CHECK (plan IN ('free', 'pro', 'enterprise')),
  status text NOT NULL CHECK (status IN ('active', 'cancelled')),
  created_at timestamptz NOT NULL,
  renewed_at timestamptz,
  cancelled_at timestamptz
);

CREATE TABLE users (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants (id),
  name text NOT NULL,
  email text NOT NULL CONSTRAINT users_email_key UNIQUE,
  role text NOT NULL CHECK (role IN ('owner', 'member')),
  password_hash text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX users_tenant ON users (tenant_id);

-- The sha256 of the bearer token is the key: a leaked table holds no usable token.
CREATE TABLE sessions (
  token_hash text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- One table for the eleven feature areas' records: the kind-specific fields live in `data`, and
-- RECORD_RULES (src/store/types.ts) decide `parent_*` (a foreign key into this table, within the
-- tenant) and `unique_key` (a per-kind unique key). `seq` keeps insertion order for listings.
CREATE TABLE records (
  seq bigint GENERATED ALWAYS AS IDENTITY,
  tenant_id text NOT NULL CONSTRAINT records_tenant_fkey REFERENCES tenants (id),
  kind text NOT NULL,
  id text NOT NULL,
  parent_kind text,
  parent_id text,
  unique_key text,
  data jsonb NOT NULL,
  PRIMARY KEY (tenant_id, kind, id),
  CONSTRAINT records_parent_fkey FOREIGN KEY (tenant_id, parent_kind, parent_id)
    REFERENCES records (tenant_id, kind, id),
  CONSTRAINT records_unique_key UNIQUE (tenant_id, kind, unique_key)
);
CREATE INDEX records_listing ON records (tenant_id, kind, seq);
CREATE INDEX records_children ON records (tenant_id, parent_kind, parent_id);
