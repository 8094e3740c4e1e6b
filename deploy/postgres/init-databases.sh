#!/bin/sh
# Runs once, when the PostgreSQL data directory is empty (docker-entrypoint-initdb.d).
# One database per service, each owned by its own login role that cannot connect to
# the others: a service never reads another service's tables.
set -e

create_service_db() {
    name="$1"
    password="$2"
    if [ -z "$password" ]; then
        echo "init-databases: no password given for $name" >&2
        return 1
    fi
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres -v pw="$password" <<SQL
CREATE ROLE "$name" LOGIN PASSWORD :'pw';
CREATE DATABASE "$name" OWNER "$name";
REVOKE ALL ON DATABASE "$name" FROM PUBLIC;
SQL
}

create_service_db identity "$IDENTITY_DB_PASSWORD"
create_service_db forms "$FORMS_DB_PASSWORD"
create_service_db billing "$BILLING_DB_PASSWORD"
create_service_db sms "$SMS_DB_PASSWORD"
