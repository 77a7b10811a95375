#!/bin/sh
# Collects what support asks for when a node misbehaves.
set -eu
out=/tmp/node-debug
mkdir -p "$out"
sudo docker ps -a --no-trunc > "$out/containers.txt"
for id in $(docker ps -q); do
  docker logs --tail 200 "$id" > "$out/$id.log" 2>&1
done
