# Runs one PEP 517 hook for tailwheel in an isolated interpreter (`python -I`).
# argv: hook, backend ("module:object"), site dir, result file, work dir, backend-path (JSON).
# The result (JSON) goes to the result file, so whatever the backend prints stays output.
import importlib
import json
import os
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


def main():
    hook, spec, site_dir, result_path, work_dir, backend_path = sys.argv[1:7]
    isolate(site_dir, json.loads(backend_path))
    backend = load(spec)
    result = {}
    if hook == "get_requires_for_build_wheel":
        function = getattr(backend, hook, None)
        result["requires"] = list(function({}) if function else [])
    elif hook == "prepare_metadata_for_build_wheel":
        os.makedirs(work_dir, exist_ok=True)
        function = getattr(backend, hook, None)
        if function is not None:
            dist_info = function(work_dir, {})
            result["metadata"] = os.path.join(work_dir, dist_info, "METADATA")
        else:
            result["metadata"] = metadata_from_wheel(
                work_dir, backend.build_wheel(work_dir, {})
            )
    else:
        raise SystemExit("unknown hook " + hook)
    with open(result_path, "w") as out:
        json.dump(result, out)


main()
