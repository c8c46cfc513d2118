#!/bin/bash
# Properties from KAFKA_* variables (as apache/kafka reads them: _ is ., __ is _, ___ is -),
# storage formatted on first start, then the broker in the foreground.
set -euo pipefail
props=/var/lib/kafka/server.properties
: >"$props"
for var in $(compgen -e); do
  case "$var" in KAFKA_HEAP_OPTS | KAFKA_OPTS) continue ;; KAFKA_*) ;; *) continue ;; esac
  key="${var#KAFKA_}"; key="${key,,}"
  key="${key//___/-}"; key="${key//__/@}"; key="${key//_/.}"; key="${key//@/_}"
  printf '%s=%s\n' "$key" "${!var}" >>"$props"
done
grep -q '^log\.dirs=' "$props" || echo "log.dirs=/var/lib/kafka/data" >>"$props"
java=(java ${KAFKA_HEAP_OPTS:--Xmx512m} ${KAFKA_OPTS:-} -Dlog4j2.configurationFile=/opt/kafka/config/log4j2.properties -cp '/opt/kafka/libs/*')
format=(kafka.tools.StorageTool format --ignore-formatted "--cluster-id=${CLUSTER_ID:-5L6g3nShT-eMCtK--X86sw}" --config "$props")
grep -q '^controller\.quorum\.voters=' "$props" || format+=(--standalone)
"${java[@]}" "${format[@]}"
exec "${java[@]}" kafka.Kafka "$props"
