#!/bin/sh
# Any CI: stream the image from docker save into the gate and keep the reports. Exit code:
# 0 passed, 1 the policy failed, 2 the check could not run.
#   IMAGE (required), SIZEGATE_POLICY (default sizegate.yml), REPORTS (default ./reports)
set -eu
: "${IMAGE:?set IMAGE to the image to check}"
reports=${REPORTS:-reports}
mkdir -p "$reports"
docker save "$IMAGE" | sizegate check - --policy "${SIZEGATE_POLICY:-sizegate.yml}" \
  --output "json=$reports/sizegate.json" --output "junit=$reports/sizegate.junit.xml"
