"""A PEP 517 (and PEP 660) build backend for pyfi-client that needs nothing but the standard library, so that
``pip install clients/python`` works with no package index reachable (setuptools and wheel are not in a fresh
venv, and build isolation would fetch them). A wheel is a zip of the ``pyfi`` package and its
``pyfi_client-VERSION.dist-info/{METADATA,WHEEL,RECORD}``; the version is the repository's (``Directory.Build.props``)."""

import base64
import hashlib
import io
import os
import re
import tarfile
import time
import zipfile

NAME = "pyfi-client"
DIST = "pyfi_client"
HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = "pyfi"
SUMMARY = "Pyfi's Python client: sockets, pipeline/parallel/funnel workflows and results over the gateway protocol"
TAG = "py3-none-any"


def _version():
    props = os.path.join(HERE, "..", "..", "Directory.Build.props")
    if os.path.isfile(props):
        with open(props, encoding="utf-8") as f:
            found = re.search(r"<Version>([^<]+)</Version>", f.read())
        if found:
            return found.group(1).strip()
    info = os.path.join(HERE, "PKG-INFO")  # an sdist, built away from the repository
    if os.path.isfile(info):
        with open(info, encoding="utf-8") as f:
            found = re.search(r"^Version: (.+)$", f.read(), re.M)
        if found:
            return found.group(1).strip()
    return "0.0.0"


def _metadata(version):
    readme = os.path.join(HERE, "README.md")
    text = ""
    if os.path.isfile(readme):
        with open(readme, encoding="utf-8") as f:
            text = f.read()
    head = ("Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: %s\nLicense: MIT\nRequires-Python: >=3.9\n"
            % (NAME, version, SUMMARY))
    if text:
        head += "Description-Content-Type: text/markdown\n\n" + text
    return head


def _wheel_file():
    return "Wheel-Version: 1.0\nGenerator: pyfi-client backend.py\nRoot-Is-Purelib: true\nTag: %s\n" % TAG


def _package_files():
    """(path in the wheel, bytes) of every module of the package, sorted; caches left out."""
    files = []
    root = os.path.join(HERE, PACKAGE)
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            if name.endswith(".py") or name == "py.typed":
                path = os.path.join(folder, name)
                with open(path, "rb") as f:
                    files.append((os.path.relpath(path, HERE).replace(os.sep, "/"), f.read()))
    return files


def _record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
    return "%s,sha256=%s,%d" % (path, digest, len(data))


def _write_wheel(directory, files, version):
    info = "%s-%s.dist-info" % (DIST, version)
    files = list(files) + [
        ("%s/METADATA" % info, _metadata(version).encode("utf-8")),
        ("%s/WHEEL" % info, _wheel_file().encode("utf-8")),
        ("%s/top_level.txt" % info, (PACKAGE + "\n").encode("utf-8")),
    ]
    record = "\n".join([_record_line(p, d) for p, d in files] + ["%s/RECORD,," % info]) + "\n"
    name = "%s-%s-%s.whl" % (DIST, version, TAG)
    stamp = (1980, 1, 1, 0, 0, 0)  # reproducible: the same sources make the same wheel
    with zipfile.ZipFile(os.path.join(directory, name), "w", zipfile.ZIP_DEFLATED) as wheel:
        for path, data in files + [("%s/RECORD" % info, record.encode("utf-8"))]:
            entry = zipfile.ZipInfo(path, stamp)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(entry, data)
    return name


def _with_version(files, version):
    generated = ('"""Written by the build (backend.py): the version of this pyfi-client."""\n\n__version__ = "%s"\n' % version).encode("utf-8")
    return [f for f in files if f[0] != "pyfi/client/_version.py"] + [("pyfi/client/_version.py", generated)]


# --- PEP 517 --------------------------------------------------------------------------------------------------------

def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    version = _version()
    info = "%s-%s.dist-info" % (DIST, version)
    os.makedirs(os.path.join(metadata_directory, info), exist_ok=True)
    with open(os.path.join(metadata_directory, info, "METADATA"), "w", encoding="utf-8") as f:
        f.write(_metadata(version))
    with open(os.path.join(metadata_directory, info, "WHEEL"), "w", encoding="utf-8") as f:
        f.write(_wheel_file())
    return info


prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    version = _version()
    return _write_wheel(wheel_directory, _with_version(_package_files(), version), version)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    """PEP 660: a wheel whose .pth file puts this folder on sys.path (``pip install -e clients/python``)."""
    version = _version()
    return _write_wheel(wheel_directory, [("__editable__.%s.pth" % DIST, (HERE + "\n").encode("utf-8"))], version)


def build_sdist(sdist_directory, config_settings=None):
    version = _version()
    base = "%s-%s" % (DIST, version)
    name = base + ".tar.gz"
    members = [(p, d) for p, d in _package_files() if p != "pyfi/client/_version.py"]
    for extra in ("pyproject.toml", "backend.py", "README.md"):
        path = os.path.join(HERE, extra)
        if os.path.isfile(path):
            with open(path, "rb") as f:
                members.append((extra, f.read()))
    members.append(("PKG-INFO", _metadata(version).encode("utf-8")))
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz", format=tarfile.PAX_FORMAT) as sdist:
        for path, data in members:
            entry = tarfile.TarInfo("%s/%s" % (base, path))
            entry.size = len(data)
            entry.mtime = int(time.time())
            entry.mode = 0o644
            sdist.addfile(entry, io.BytesIO(data))
    return name
