#!/usr/bin/env python3
"""Every success answer of the OpenAPI document shows an example, and it is valid.

Walks the document given as argument and, for every 2xx `application/json` response,
takes its example (the response's own, else the example of the schema it references)
and validates it against the response schema with `openapi_schema_validator`
(OAS 3.1, `$ref`s resolved against the document's components). Exits non-zero
listing each operation without an example or with an invalid one.

Usage: .ci/response_examples.py DOCUMENT.json
Needs `openapi-schema-validator` (installed with openapi-spec-validator).
"""

import json
import sys

from openapi_schema_validator import OAS31Validator

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def example_of(content, schemas):
    """The response's own example, else its referenced schema's; None if neither has one."""
    if "example" in content:
        return content["example"]
    for example in content.get("examples", {}).values():
        if "value" in example:
            return example["value"]
    ref = content.get("schema", {}).get("$ref", "")
    schema = schemas.get(ref.rsplit("/", 1)[-1], {}) if ref.startswith("#/components/schemas/") else {}
    if "example" in schema:
        return schema["example"]
    if schema.get("examples"):
        return schema["examples"][0]
    return None


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        document = json.load(f)
    schemas = document.get("components", {}).get("schemas", {})
    total, failures = 0, []
    for path, item in document["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {}).get("application/json")
                if not status.startswith("2") or content is None:
                    continue
                total += 1
                name = f"{method.upper()} {path} {status}"
                example = example_of(content, schemas)
                if example is None:
                    failures.append(f"{name}: no example")
                    continue
                # The components beside the schema: its `#/components/...` references resolve.
                schema = dict(content.get("schema", {}), components=document.get("components", {}))
                validator = OAS31Validator(schema)
                errors = sorted(validator.iter_errors(example), key=lambda e: list(e.absolute_path))
                for error in errors[:3]:
                    where = "/".join(str(p) for p in error.absolute_path)
                    failures.append(f"{name}: invalid example at /{where}: {error.message[:300]}")
    print(f"{total - len({f.split(':')[0] for f in failures})} of {total} success responses show a valid example")
    if failures:
        print(*failures, sep="\n", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
