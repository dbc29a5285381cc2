#!/bin/sh
# A database and a login role per service; a role reaches only its own database.
# Generated from shared/registry.py by `python -m deploy.compose.generate`.
set -eu
for svc in catalog declaration review disclosure treasury banking bank_simulator complaint supervision; do
  pw_var=$(echo "YKT_${svc}_DB_PASSWORD" | tr '[:lower:]' '[:upper:]')
  pw=$(eval "printf '%s' \"\${$pw_var:-${svc}-local-pw}\"")
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
CREATE ROLE ${svc} LOGIN PASSWORD '${pw}';
CREATE DATABASE ${svc} OWNER ${svc};
REVOKE ALL ON DATABASE ${svc} FROM PUBLIC;
SQL
done
