#!/usr/bin/env bash
# Lints infra/template.yaml offline (no AWS credentials, no network):
#   1. cfn-lint on the SAM template as written (cfn-lint applies the transform
#      itself and checks the SAM resources' properties);
#   2. aws-sam-translator's Python API transforms the template to plain
#      CloudFormation JSON, with a stub managed-policy loader, so nothing is
#      looked up in IAM;
#   3. cfn-lint on that transformed CloudFormation;
#   4. the API contract: every (METHOD, path) of the template's HttpApi events
#      is an operation of the OpenAPI document and every operation is such an
#      event; then the document is validated with openapi-spec-validator, if
#      that is installed (otherwise that part is skipped, and says so).
# Any cfn-lint error or warning fails the run, except the rule ids listed in
# IGNORE_CHECKS below (none at present).
#
# Usage: PORTAL_PYTHON=/path/to/venv/bin/python tests/lint-template.sh
#   PORTAL_PYTHON: an interpreter with aws-sam-translator and cfn-lint
#   installed (default python3), and optionally openapi-spec-validator, e.g.
#   after python3 -m venv /tmp/lintvenv && /tmp/lintvenv/bin/pip install
#   aws-sam-translator==1.110.0 cfn-lint==1.51.0 openapi-spec-validator==0.9.0
#   (infra/local/requirements.txt pins the same).
#   OPENAPI: the OpenAPI document to check (default infra/openapi.yaml).
set -euo pipefail

script_dir="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd -- "${script_dir}/.." && pwd)"
template="${repo_root}/infra/template.yaml"
openapi="${OPENAPI:-${repo_root}/infra/openapi.yaml}"
python="${PORTAL_PYTHON:-python3}"

# Rules to ignore, each with the reason. Keep empty unless a finding is a
# known false positive; list ids as a space-separated string.
IGNORE_CHECKS=""

export AWS_DEFAULT_REGION=eu-west-1
# Make sure no real credentials or profile are picked up by boto3.
export AWS_ACCESS_KEY_ID=offline AWS_SECRET_ACCESS_KEY=offline
unset AWS_PROFILE AWS_SESSION_TOKEN || true
export AWS_EC2_METADATA_DISABLED=true

if [[ ! -f "${template}" ]]; then
  echo "template lint: FAILED (no template at ${template})" >&2
  exit 1
fi
if [[ ! -f "${openapi}" ]]; then
  echo "template lint: FAILED (no OpenAPI document at ${openapi})" >&2
  exit 1
fi
if ! "${python}" -c 'import samtranslator, cfnlint' 2>/dev/null; then
  echo "template lint: FAILED (${python} lacks aws-sam-translator and/or cfn-lint; set PORTAL_PYTHON)" >&2
  exit 1
fi

work_dir="$(mktemp -d)"
trap 'rm -rf -- "${work_dir}"' EXIT
transformed="${work_dir}/template.transformed.json"

ignore_args=()
if [[ -n "${IGNORE_CHECKS}" ]]; then
  # shellcheck disable=SC2206
  ignore_args=(--ignore-checks ${IGNORE_CHECKS})
fi

run_cfn_lint() {
  local file="$1"
  echo "--- cfn-lint ${file#"${repo_root}/"}"
  # cfn-lint exit codes are a bit mask: 2 error, 4 warning, 8 informational,
  # 1 for a failure of cfn-lint itself. Errors and warnings fail the lint.
  local rc=0
  "${python}" -c 'import sys; from cfnlint.runner import main; sys.argv[0] = "cfn-lint"; sys.exit(main())' \
    --regions "${AWS_DEFAULT_REGION}" --format parseable \
    "${ignore_args[@]+"${ignore_args[@]}"}" -- "${file}" || rc=$?
  if (( rc & 1 || rc & 2 || rc & 4 )); then
    echo "template lint: FAILED (cfn-lint exit code ${rc} on ${file})" >&2
    exit 1
  fi
  echo "    no errors or warnings"
}

echo "template: ${template#"${repo_root}/"}"
echo "tools: $("${python}" -c 'import samtranslator, cfnlint.version as v; print("aws-sam-translator", samtranslator.__version__, "/ cfn-lint", v.__version__)')"

# 1. The SAM template as written.
run_cfn_lint "${template}"

# 2. Offline SAM -> CloudFormation transform.
echo "--- aws-sam-translator transform (offline)"
"${python}" - "${template}" "${transformed}" <<'PY'
import json
import sys

import boto3
from samtranslator.model.exceptions import InvalidDocumentException
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


class OfflineManagedPolicyLoader:
    """Stands in for samtranslator's ManagedPolicyLoader, which asks IAM.

    The template only uses inline policy statements (SAM adds
    AWSLambdaBasicExecutionRole by ARN), so no managed policy name
    needs resolving; a name that does is reported by SAM as an error.
    """

    def load(self):
        return {}


source, target = sys.argv[1], sys.argv[2]
with open(source, encoding="utf-8") as handle:
    sam_template = yaml_parse(handle.read())

# What `sam package` does: local CodeUri paths become S3 artifact URIs.
# The paths are checked to stay inside the repository (they need not exist
# yet: cargo lambda creates them).
import os

repo_root = os.path.dirname(os.path.dirname(os.path.abspath(source)))
for logical_id, resource in sam_template.get("Resources", {}).items():
    if resource.get("Type") != "AWS::Serverless::Function":
        continue
    code_uri = resource.get("Properties", {}).get("CodeUri")
    if isinstance(code_uri, str) and not code_uri.startswith("s3://"):
        local = os.path.normpath(os.path.join(os.path.dirname(source), code_uri))
        if os.path.commonpath([local, repo_root]) != repo_root:
            print(f"    {logical_id}: CodeUri {code_uri} points outside the repository", file=sys.stderr)
            sys.exit(1)
        resource["Properties"]["CodeUri"] = f"s3://offline-lint-artifacts/{logical_id}.zip"

# Pseudo parameters come from this offline session's region (no API calls).
boto3.setup_default_session(region_name="eu-west-1")
parameters = {"AWS::AccountId": "123456789012"}
try:
    cloudformation = transform(sam_template, parameters, OfflineManagedPolicyLoader())
except InvalidDocumentException as error:
    for cause in error.causes:
        print(f"    SAM transform error: {cause.message}", file=sys.stderr)
    sys.exit(1)

if "Transform" in cloudformation:
    print("    transform left a Transform section behind", file=sys.stderr)
    sys.exit(1)
with open(target, "w", encoding="utf-8") as handle:
    json.dump(cloudformation, handle, indent=2, sort_keys=True)

resources = cloudformation["Resources"]
kinds = {}
for resource in resources.values():
    kinds[resource["Type"]] = kinds.get(resource["Type"], 0) + 1
print(f"    {len(resources)} CloudFormation resources:")
for kind in sorted(kinds):
    print(f"      {kinds[kind]:3d} x {kind}")
PY

# 3. The transformed CloudFormation.
run_cfn_lint "${transformed}"

# 4. The routes of the template against the operations of the OpenAPI document,
# then the document itself. The template is read with samtranslator's parser,
# which knows the !Ref/!Sub/!GetAtt tags.
echo "--- routes: template HttpApi events vs ${openapi#"${repo_root}/"}"
"${python}" - "${template}" "${openapi}" "${repo_root}" <<'PY'
import os
import sys
import warnings

import yaml
from samtranslator.yaml_helper import yaml_parse

template_path, openapi_path, repo_root = sys.argv[1], sys.argv[2], sys.argv[3]


def shown(path):
    relative = os.path.relpath(os.path.abspath(path), repo_root)
    return path if relative.startswith("..") else relative


def fail(message):
    print(f"template lint: FAILED ({message})", file=sys.stderr)
    sys.exit(1)


with open(template_path, encoding="utf-8") as handle:
    template = yaml_parse(handle.read())

# (METHOD, path) -> where it is declared, from every HttpApi event of every function.
routes = {}
duplicates = []
for logical_id, resource in sorted((template.get("Resources") or {}).items()):
    if resource.get("Type") != "AWS::Serverless::Function":
        continue
    events = (resource.get("Properties") or {}).get("Events") or {}
    for event_id, event in sorted(events.items()):
        if event.get("Type") != "HttpApi":
            continue
        props = event.get("Properties") or {}
        method, path = props.get("Method"), props.get("Path")
        if not isinstance(method, str) or not isinstance(path, str):
            fail(f"{logical_id}.{event_id}: an HttpApi event needs a literal Method and Path")
        key = (method.upper(), path)
        where = f"{logical_id}.{event_id}"
        if key in routes:
            duplicates.append(f"{key[0]} {key[1]} ({routes[key]} and {where})")
        routes[key] = where

try:
    with open(openapi_path, encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
except (OSError, yaml.YAMLError) as error:
    fail(f"{shown(openapi_path)} cannot be read: {error}")
if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
    fail(f"{shown(openapi_path)} has no paths")

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
operations = {}
for path, item in document["paths"].items():
    for method in METHODS:
        if isinstance(item, dict) and method in item:
            operations[(method.upper(), path)] = (item[method] or {}).get("operationId", "")

only_template = sorted(set(routes) - set(operations), key=lambda k: (k[1], k[0]))
only_document = sorted(set(operations) - set(routes), key=lambda k: (k[1], k[0]))
if duplicates:
    print("    routes declared more than once in the template:", file=sys.stderr)
    for line in duplicates:
        print(f"      {line}", file=sys.stderr)
if only_template:
    print(f"    in the template but not in {shown(openapi_path)}:", file=sys.stderr)
    for method, path in only_template:
        print(f"      {method:6} {path}   ({routes[(method, path)]})", file=sys.stderr)
if only_document:
    print(f"    in {shown(openapi_path)} but not in the template:", file=sys.stderr)
    for method, path in only_document:
        operation_id = operations[(method, path)]
        suffix = f"   (operationId {operation_id})" if operation_id else ""
        print(f"      {method:6} {path}{suffix}", file=sys.stderr)
if duplicates or only_template or only_document:
    fail(f"the template's routes and the operations of {shown(openapi_path)} differ")
print(f"    {len(routes)} routes, each an operation of the document, and no other operation")

try:
    import openapi_spec_validator
except ImportError:
    print("--- openapi-spec-validator: skipped (not installed for this interpreter)")
    sys.exit(0)

from importlib.metadata import PackageNotFoundError, version

try:
    validator_version = version("openapi-spec-validator")
except PackageNotFoundError:
    validator_version = "(unknown version)"
print(f"--- openapi-spec-validator {validator_version}")
# validate() (0.7 and later) picks the schema of the document's `openapi`
# version, 3.0 or 3.1; an unknown version is a ValidatorDetectError.
from openapi_spec_validator.exceptions import OpenAPISpecValidatorError
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

try:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        openapi_spec_validator.validate(document)
except OpenAPIValidationError as error:
    where = "/".join(str(part) for part in error.absolute_path) or "(the document)"
    print(f"    {shown(openapi_path)}: at {where}: {error.message}", file=sys.stderr)
    fail(f"{shown(openapi_path)} is not a valid OpenAPI document")
except OpenAPISpecValidatorError as error:
    print(f"    {shown(openapi_path)}: {error}", file=sys.stderr)
    fail(f"{shown(openapi_path)} is not a valid OpenAPI document")
print(f"    {shown(openapi_path)}: valid OpenAPI {document.get('openapi')}")
PY

echo "template lint: OK"
