#!/bin/sh
# Any CI: stream the image from docker save into the gate and keep the reports. Exit code:
# 0 passed, 1 the policy failed, 2 the check could not run.
#   IMAGE (required), REPORTS (default ./reports); the policy is sizegate's own choice (sizegate.yml,
#   .sizegate.yml or a lone .dive-ci), or SIZEGATE_POLICY, which sizegate reads.
set -eu
: "${IMAGE:?set IMAGE to the image to check}"
reports=${REPORTS:-reports}
mkdir -p "$reports"
docker save "$IMAGE" | sizegate check - \
  --output "json=$reports/sizegate.json" --output "junit=$reports/sizegate.junit.xml"
