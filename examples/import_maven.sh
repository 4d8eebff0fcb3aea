#!/usr/bin/env bash
# Build a pipeline repository at DEST from the Maven Analytics "CRM + Sales +
# Opportunities" sample data set (8,800 deals), with backdated git history.
#
#   examples/import_maven.sh DATASET_DIR DEST
#
# DATASET_DIR holds sales_pipeline.csv and sales_teams.csv (see its SOURCE.md).
# The mapping is explained step by step in docs/import-export.md.
# Set PIPELINE to the command to run (default: `pipeline` on PATH).
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 DATASET_DIR DEST" >&2
    exit 2
fi
DATASET=$1
DEST=$2
PIPELINE=${PIPELINE:-pipeline}

for file in sales_pipeline.csv sales_teams.csv; do
    if [ ! -f "$DATASET/$file" ]; then
        echo "$0: $DATASET/$file not found" >&2
        exit 2
    fi
done

$PIPELINE init "$DEST"

# Maven stages -> ours: Prospecting -> lead, Engaging -> qualified;
# Won and Lost match won and lost without a map (case is ignored).
# engage_date becomes the move into qualified, close_date the move to won/lost.
# GTXPro is spelled "GTX Pro" in products.csv: normalize it.
# 1,425 open deals have no account and no lost deal has a reason: fill both.
$PIPELINE --repo "$DEST" import "$DATASET/sales_pipeline.csv" \
    --history \
    --team "$DATASET/sales_teams.csv" \
    --map 'stage:Prospecting=lead' \
    --map 'stage:Engaging=qualified' \
    --map 'product:GTXPro=GTX Pro' \
    --title '{account} - {product}' \
    --default 'account=(no account)' \
    --default 'lost_reason=not recorded' \
    --extend-config
