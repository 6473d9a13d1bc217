#!/usr/bin/env bash
# Prepares the CQL stand-in started by `make cql-standin` for an enriched demo: applies
# schema/feature_store.cql with cqlsh as the stand-in's throw-away superuser, creates an application role
# with a random password (kept in .cache/cql-standin/app.env, mode 0600), and bulk-loads sample features
# for users u-1 .. u-5 (timestamps relative to now) with `load-features`.
# Usage: scripts/features-demo.sh   (via `make features-demo`)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${CQL_STANDIN_DIR:-.cache/cql-standin}
port=${CQL_PORT:-9042}
keyspace=features
role=inference_demo
env_file=$dir/app.env
java_home=$(scripts/find-jdk.sh --runtime 21 21)

scripts/cql-standin.sh status --dir "$dir" >/dev/null || { echo "start the stand-in first: make cql-standin" >&2; exit 1; }
umask 077

# cqlsh reads the superuser's login from private files, never from the command line.
cqlshrc=$dir/cqlshrc
printf '[PlainTextAuthProvider]\nusername = cassandra\npassword = cassandra\n' > "$dir/cql-credentials"
printf '[authentication]\ncredentials = %s\n' "$PWD/$dir/cql-credentials" > "$cqlshrc"
if [[ ! -f $env_file ]]; then
  password=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
  printf 'FEATURES_USERNAME=%s\nFEATURES_PASSWORD=%s\n' "$role" "$password" > "$env_file"
fi
set -a
# shellcheck disable=SC1090
source "$env_file"
set +a

echo "==> applying schema/feature_store.cql to keyspace $keyspace"
sed -e "s/__KEYSPACE__/$keyspace/g" -e "s/__REPLICATION__/'datacenter1': 1/" schema/feature_store.cql > "$dir/schema.cql"
.venv/bin/cqlsh --cqlshrc "$cqlshrc" -f "$dir/schema.cql" 127.0.0.1 "$port"
echo "==> role $role (password in $env_file)"
{
  echo "CREATE ROLE IF NOT EXISTS $role WITH LOGIN = true AND PASSWORD = '$FEATURES_PASSWORD';"
  echo "GRANT SELECT ON KEYSPACE $keyspace TO $role;"
  echo "GRANT MODIFY ON KEYSPACE $keyspace TO $role;"
} > "$dir/role.cql"
.venv/bin/cqlsh --cqlshrc "$cqlshrc" -f "$dir/role.cql" 127.0.0.1 "$port"
rm -f "$dir/role.cql"

echo "==> sample features for u-1 .. u-5"
sample=$dir/sample-features.jsonl
: > "$sample"
for u in 1 2 3 4 5; do
  printf '{"entity_key": "user_id", "entity_id": "u-%d", "features": {"account_age_days": %d}}\n' \
    "$u" $((u * 150)) >> "$sample"
  for i in $(seq 1 10); do
    printf '{"entity_key": "user_id", "entity_id": "u-%d", "events": [{"occurred_at": "%s", "amount": %d.%02d}]}\n' \
      "$u" "$(date -u -d "-$((i * 7)) hours" +%Y-%m-%dT%H:%M:%SZ)" $((20 + u * 5 + i % 4 * 3)) $((i * 7 % 100)) >> "$sample"
  done
done
FEATURES_CONTACT_dash_POINTS=127.0.0.1:$port FEATURES_KEYSPACE=$keyspace \
  "$java_home/bin/java" --enable-native-access=ALL-UNNAMED -jar app/target/inference-service.jar \
  load-features "$sample"
