"""Loads the spec's examples through Python models generated from the documents and writes them back.

    python roundtrip.py datamodel-codegen PKG_DIR MANIFEST   # models from schemas/, examples as printed
    python roundtrip.py openapi-python-client PKG_DIR MANIFEST DOC PACKAGE
    python roundtrip.py openapi-generator PKG_DIR MANIFEST DOC PACKAGE

Each example (each record of a batch) is parsed into its generated model and dumped back; the dump
must equal the input (nulls aside), and a `status.status_code` must come back as it went in.
"""

import datetime
import importlib
import json
import re
import sys

# A date-time with an offset: `Z` and `+00:00`, or a dropped fraction, are the same instant.
INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")


def without_nulls(value):
    if isinstance(value, str) and INSTANT.fullmatch(value):
        return datetime.datetime.fromisoformat(value).timestamp()
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def records(entry, value):
    return value["data"] if entry["batch"] else [value]


def check(name, instance, dumped):
    if without_nulls(dumped) != without_nulls(instance):
        raise AssertionError(f"{name}: round trip changed the example:\n in  {instance}\n out {dumped}")
    if isinstance(instance, dict) and isinstance(instance.get("status"), dict) and "status_code" in instance["status"]:
        if dumped["status"]["status_code"] != instance["status"]["status_code"]:
            raise AssertionError(f"{name}: status_code lost")


def main():
    tool, pkg_dir, manifest_path = sys.argv[1:4]
    sys.path.insert(0, pkg_dir)
    manifest = json.load(open(manifest_path, encoding="utf-8"))
    count = 0
    if tool == "datamodel-codegen":
        for entry in manifest:
            module = importlib.import_module(entry["schema"].replace("/", "_"))
            value = json.load(open(entry["file"], encoding="utf-8"))
            for i, record in enumerate(records(entry, value)):
                model = module.Model.model_validate(record)
                dumped = json.loads(model.model_dump_json(by_alias=True, exclude_unset=True))
                # A key the schema does not describe (the MO example's `update_ts`, never to be
                # sent) is not kept; every described one must be.
                known = {f.alias or n for n, f in module.Model.model_fields.items()}
                if isinstance(record, dict):
                    record = {k: v for k, v in record.items() if k in known}
                check(f"{entry['name']}[{i}]", record, dumped)
                count += 1
    else:
        doc, package = sys.argv[4:6]
        models = importlib.import_module(f"{package}.models")
        for entry in (e for e in manifest if e.get("document") == doc):
            cls = getattr(models, entry["component"])
            value = json.load(open(entry["canonical"], encoding="utf-8"))
            for i, record in enumerate(records(entry, value)):
                obj = cls.from_dict(record)
                dumped = obj.to_dict()
                if tool == "openapi-generator":
                    # Its to_dict() leaves out unset nulls and uses the wire names (aliases).
                    dumped = json.loads(obj.to_json())
                check(f"{entry['name']}[{i}]", record, dumped)
                count += 1
    print(f"{tool}: {count} records loaded and written back unchanged")


main()
