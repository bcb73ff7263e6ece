# Runs one PEP 517 hook for tailwheel in an isolated interpreter (`python -I`).
# A hook name ending in "_editable" asks for the PEP 660 editable variants.
# argv: hook, backend ("module:object"), site dir, result file, work dir, backend-path (JSON),
# installed distributions (JSON list of normalized names).
# The result (JSON) goes to the result file, so whatever the backend prints stays output.
#
# "get_requires_then_metadata" runs `get_requires_for_build_wheel` and, when every extra
# requirement is a bare name already installed (setuptools answers `[]` or `["wheel"]`), goes
# on to the metadata in the same process: one interpreter start and one backend import
# instead of two. Anything else is left to tailwheel, which decides with the full rules.
import importlib
import json
import os
import re
import site
import sys
import zipfile


def isolate(site_dir, backend_path):
    system = set(site.getsitepackages())
    user = site.getusersitepackages()
    if isinstance(user, str):
        system.add(user)
    sys.path[:] = [entry for entry in sys.path if entry not in system]
    site.addsitedir(site_dir)
    for entry in reversed(backend_path):
        sys.path.insert(0, os.path.abspath(entry))


def load(spec):
    module_name, _, attribute = spec.partition(":")
    backend = importlib.import_module(module_name)
    for part in filter(None, attribute.split(".")):
        backend = getattr(backend, part)
    return backend


def metadata_from_wheel(work_dir, wheel_name):
    with zipfile.ZipFile(os.path.join(work_dir, wheel_name)) as wheel:
        names = [
            name
            for name in wheel.namelist()
            if name.count("/") == 1 and name.endswith(".dist-info/METADATA")
        ]
        if len(names) != 1:
            raise SystemExit(
                "the built wheel has %d .dist-info/METADATA files" % len(names)
            )
        path = os.path.join(work_dir, "METADATA")
        with open(path, "wb") as out:
            out.write(wheel.read(names[0]))
        return path


def get_requires(backend, editable=False):
    function = None
    if editable:
        # PEP 660: an editable's build requirements, else the wheel's.
        function = getattr(backend, "get_requires_for_build_editable", None)
    if function is None:
        function = getattr(backend, "get_requires_for_build_wheel", None)
    return list(function({}) if function else [])


def prepare_metadata(backend, work_dir, editable=False):
    os.makedirs(work_dir, exist_ok=True)
    if editable:
        # PEP 660: prepare_metadata_for_build_editable, else build_editable's wheel; a
        # backend with neither gives the metadata of a regular wheel (the same project).
        function = getattr(backend, "prepare_metadata_for_build_editable", None)
        if function is not None:
            dist_info = function(work_dir, {})
            return os.path.join(work_dir, dist_info, "METADATA")
        build_editable = getattr(backend, "build_editable", None)
        if build_editable is not None:
            return metadata_from_wheel(work_dir, build_editable(work_dir, {}))
    function = getattr(backend, "prepare_metadata_for_build_wheel", None)
    if function is not None:
        dist_info = function(work_dir, {})
        return os.path.join(work_dir, dist_info, "METADATA")
    return metadata_from_wheel(work_dir, backend.build_wheel(work_dir, {}))


BARE_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")


def installed_already(requires, installed):
    return all(
        BARE_NAME.match(text.strip())
        and re.sub(r"[-_.]+", "-", text.strip()).lower() in installed
        for text in requires
    )


def main():
    hook, spec, site_dir, result_path, work_dir, backend_path, installed = sys.argv[1:8]
    isolate(site_dir, json.loads(backend_path))
    backend = load(spec)
    result = {}
    editable = hook.endswith("_editable")
    if editable:
        hook = hook[: -len("_editable")]
    if hook == "get_requires_for_build_wheel":
        result["requires"] = get_requires(backend, editable)
    elif hook == "get_requires_then_metadata":
        result["requires"] = get_requires(backend, editable)
        if installed_already(result["requires"], set(json.loads(installed))):
            result["metadata"] = prepare_metadata(backend, work_dir, editable)
    elif hook == "prepare_metadata_for_build_wheel":
        result["metadata"] = prepare_metadata(backend, work_dir, editable)
    else:
        raise SystemExit("unknown hook " + hook)
    with open(result_path, "w") as out:
        json.dump(result, out)


main()
