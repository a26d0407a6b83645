#!/usr/bin/env python3
"""Checks one HTTP answer of `ltsign serve` against schemas/openapi.json.

usage: check_openapi.py OPENAPI METHOD PATH STATUS CONTENT-TYPE BODY-FILE

The answer's status must be declared for the operation, its media type among the status's
content types, and a JSON body must validate against the declared schema (JSON Schema 2020-12,
the schemas the tests already check reports with; verify-report.schema.json is resolved beside
the OpenAPI file). Exit 0 when it conforms; otherwise one line saying why, exit 1.
"""
import json
import os
import sys

import jsonschema


def main():
    openapi_file, method, path, status, content_type, body_file = sys.argv[1:7]
    with open(openapi_file, encoding="utf-8") as f:
        doc = json.load(f)
    op = doc["paths"].get(path, {}).get(method.lower())
    if op is None:
        sys.exit(f"{method} {path}: not in the OpenAPI description")
    responses = op["responses"]
    answer = responses.get(status) or responses.get("default")
    if answer is None:
        sys.exit(f"{method} {path}: status {status} is not declared")
    media = content_type.split(";")[0].strip()
    content = answer.get("content", {})
    if media not in content:
        sys.exit(f"{method} {path} {status}: media type {media!r} not declared ({list(content)})")
    if not (media.endswith("json")):
        return
    with open(body_file, encoding="utf-8") as f:
        body = json.load(f)
    folder = os.path.dirname(os.path.abspath(openapi_file))
    with open(os.path.join(folder, "verify-report.schema.json"), encoding="utf-8") as f:
        report = json.load(f)
    # The whole description is the schema document, so its #/components/... references resolve;
    # the answer is checked against the one schema the status declares. The verify report's
    # schema (beside the description) is put in place of its reference, its $defs at the root
    # where its own "#/$defs/..." references then find them (any jsonschema 4.x, Debian's 4.10
    # included, resolves that without a registry).
    pointer = "/".join(p.replace("~", "~0").replace("/", "~1")
                       for p in ["paths", path, method.lower(), "responses",
                                 status if status in responses else "default", "content", media,
                                 "schema"])
    schema = json.loads(json.dumps(doc))
    schema["components"]["schemas"]["VerifyReport"] = {
        k: v for k, v in report.items() if k not in ("$id", "$schema", "$defs")}
    schema["$defs"] = report.get("$defs", {})
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$ref"] = "#/" + pointer
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
    if errors:
        e = errors[0]
        sys.exit(f"{method} {path} {status}: {e.message} at {list(e.absolute_path)}")


if __name__ == "__main__":
    main()
