# Interpreter query for tailwheel: print one JSON object describing this interpreter.
#
# Run as `python -I -B -c <this file>`. It must work on any Python 3 without third-party
# packages: `packaging.tags` (or pip's vendored copy) is used when importable, and the facts
# tailwheel needs to compute tags itself (libc, macOS version, ABI flags) are always reported.
import json
import os
import platform
import struct
import subprocess
import sys
import sysconfig


def format_full_version(info):
    version = "{0.major}.{0.minor}.{0.micro}".format(info)
    if info.releaselevel != "final":
        version += info.releaselevel[0] + str(info.serial)
    return version


def markers():
    # The same values as `packaging.markers.default_environment()` (PEP 508).
    return {
        "implementation_name": sys.implementation.name,
        "implementation_version": format_full_version(sys.implementation.version),
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_python_implementation": platform.python_implementation(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        # A build from a CPython checkout reports e.g. `3.14.0a1+`, which is not PEP 440.
        "python_full_version": platform.python_version().rstrip("+"),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    }


def sys_tags():
    try:
        from packaging import tags
    except Exception:
        try:
            from pip._vendor.packaging import tags
        except Exception:
            return None
    try:
        return [[tag.interpreter, tag.abi, tag.platform] for tag in tags.sys_tags()]
    except Exception:
        return None


def glibc_version():
    try:
        name, version = os.confstr("CS_GNU_LIBC_VERSION").split()
        if name == "glibc":
            return version
    except Exception:
        pass
    return None


def elf_interpreter(path):
    # The PT_INTERP entry of an ELF executable: the dynamic loader it runs with.
    try:
        with open(path, "rb") as f:
            ident = f.read(16)
            if len(ident) < 16 or ident[:4] != b"\x7fELF":
                return None
            wide = ident[4] == 2
            order = "<" if ident[5] == 1 else ">"
            if wide:
                f.seek(32)
                (phoff,) = struct.unpack(order + "Q", f.read(8))
                f.seek(54)
            else:
                f.seek(28)
                (phoff,) = struct.unpack(order + "I", f.read(4))
                f.seek(42)
            phentsize, phnum = struct.unpack(order + "HH", f.read(4))
            for index in range(phnum):
                f.seek(phoff + index * phentsize)
                if wide:
                    p_type, _, p_offset, _, _, p_filesz = struct.unpack(order + "IIQQQQ", f.read(40))
                else:
                    p_type, p_offset, _, _, p_filesz = struct.unpack(order + "IIIII", f.read(20))
                if p_type == 3:
                    f.seek(p_offset)
                    return f.read(p_filesz).rstrip(b"\0").decode("utf-8", "replace")
    except Exception:
        pass
    return None


def musl_version():
    # musl's loader prints `Version 1.2.4` on stderr when run directly (PEP 656).
    loader = elf_interpreter(sys.executable)
    if not loader or "musl" not in loader:
        return None
    try:
        process = subprocess.run([loader], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for line in process.stderr.decode("utf-8", "replace").splitlines():
            parts = line.strip().split()
            if len(parts) == 2 and parts[0] == "Version":
                return parts[1]
    except Exception:
        pass
    return None


def macos_version():
    version = platform.mac_ver()[0]
    if version.startswith("10.16"):
        # Built against an old SDK, Python sees 10.16 instead of the real version.
        try:
            version = subprocess.run(
                [sys.executable, "-sS", "-c", "import platform; print(platform.mac_ver()[0])"],
                stdout=subprocess.PIPE,
                env={"SYSTEM_VERSION_COMPAT": "0"},
            ).stdout.decode().strip() or version
        except Exception:
            pass
    return version or None


def abi_flags():
    flags = ""
    if sysconfig.get_config_var("Py_GIL_DISABLED"):
        flags += "t"
    if sysconfig.get_config_var("Py_DEBUG") or hasattr(sys, "gettotalrefcount"):
        flags += "d"
    if sys.version_info < (3, 8) and sysconfig.get_config_var("WITH_PYMALLOC") in (1, None):
        flags += "m"
    return flags


def pip_default_index():
    try:
        from pip._internal.models.index import PyPI

        return PyPI.simple_url
    except Exception:
        return None


def main():
    system = platform.system()
    info = {
        "markers": markers(),
        "sys_tags": sys_tags(),
        "platform": {
            "sysconfig": sysconfig.get_platform(),
            "is_32bit": sys.maxsize <= 2**32,
            "glibc": glibc_version() if system == "Linux" else None,
            "musl": musl_version() if system == "Linux" else None,
            "macos": macos_version() if system == "Darwin" else None,
            "mac_arch": platform.mac_ver()[2] if system == "Darwin" else None,
        },
        "interpreter": {
            "name": sys.implementation.name,
            "version_nodot": sysconfig.get_config_var("py_version_nodot")
            or "{}{}".format(*sys.version_info[:2]),
            "abi_flags": abi_flags(),
            "soabi": sysconfig.get_config_var("SOABI"),
        },
        "executable": sys.executable,
        "pip_default_index": pip_default_index(),
    }
    sys.stdout.write(json.dumps(info))
    sys.stdout.write("\n")


main()
