#!/usr/bin/env bash
# The README's model figures ("The model"): train and evaluate on three test weeks of the
# reference history, with the simulator's label times (schema fraudd) and with every label
# arriving exactly 7 days late (schema late: the same history imported in the handbook layout,
# which has no labelled_at). Prints one JSON line per run: week, schema, the evaluation.
#
# Set-up, once (with FRAUDD_CONFIG pointing at the local stack, see the README's quick start):
#   fraudd migrate
#   fraudd simulate history --start 2018-04-01 --days 183
#   fraudd simulate history --start 2018-04-01 --days 183 --layout handbook --out handbook.csv.gz
#   FRAUDD_WAREHOUSE__SCHEMA=late fraudd migrate
#   FRAUDD_WAREHOUSE__SCHEMA=late fraudd history import handbook.csv.gz
# Then: nice bench/model_weeks.sh > model_weeks.jsonl   (about 10 minutes a run on 2 idle cores)
set -euo pipefail

weeks=("2018-07-17 2018-07-25" "2018-07-31 2018-08-08" "2018-08-14 2018-08-22")
for schema in fraudd late; do
  for week in "${weeks[@]}"; do
    read -r train_end test_start <<<"$week"
    export FRAUDD_WAREHOUSE__SCHEMA=$schema
    fraudd train --train-end "$train_end" --force-activate >/dev/null
    result=$(fraudd evaluate --test-start "$test_start" --json | tail -n 1)
    echo "{\"schema\": \"$schema\", \"train_end\": \"$train_end\", \"evaluation\": $result}"
  done
done
