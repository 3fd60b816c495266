#!/usr/bin/env python3
"""Builds a test wheel and sdist without any build tooling (stdlib only).

usage: make_dists.py OUTDIR NAME VERSION [MARKER] [REQUIRES_PYTHON]

With KEEPER_DIST_LICENSE set, the metadata declares that License.

The sdist carries an in-tree PEP 517 backend (keeper_backend.py, no build
requirements), so pip can build it offline with build isolation.
Output is deterministic (fixed timestamps).
"""
import os, sys, tarfile, io, gzip, tempfile

BACKEND = r'''
import base64, hashlib, os, re, zipfile

def _meta():
    with open("PKG-INFO", encoding="utf-8") as f:
        text = f.read()
    head = text.split("\n\n", 1)[0]
    fields = dict(l.split(": ", 1) for l in head.splitlines() if ": " in l)
    return text, fields["Name"], fields["Version"]

def _dist(name):
    return re.sub(r"[-_.]+", "_", name).lower()

def _add(zf, arc, data, record):
    zi = zipfile.ZipInfo(arc, date_time=(1980, 1, 1, 0, 0, 0))
    zi.compress_type = zipfile.ZIP_DEFLATED
    zi.external_attr = 0o644 << 16
    zf.writestr(zi, data)
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    record.append("%s,sha256=%s,%d" % (arc, digest, len(data)))

def get_requires_for_build_wheel(config_settings=None):
    return []

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    text, name, version = _meta()
    dist = _dist(name)
    fn = "%s-%s-py3-none-any.whl" % (dist, version)
    info = "%s-%s.dist-info" % (dist, version)
    record = []
    with zipfile.ZipFile(os.path.join(wheel_directory, fn), "w") as zf:
        for root, dirs, files in os.walk(dist):
            dirs.sort()
            for f in sorted(files):
                if f.endswith(".pyc"):
                    continue
                p = os.path.join(root, f)
                with open(p, "rb") as fh:
                    _add(zf, p.replace(os.sep, "/"), fh.read(), record)
        _add(zf, info + "/METADATA", text.replace("Metadata-Version: 2.2", "Metadata-Version: 2.1").encode(), record)
        _add(zf, info + "/WHEEL", b"Wheel-Version: 1.0\nGenerator: keeper_backend\nRoot-Is-Purelib: true\nTag: py3-none-any\n", record)
        record.append(info + "/RECORD,,")
        _add(zf, info + "/RECORD", ("\n".join(record) + "\n").encode(), [])
    return fn
'''

def main():
    out, name, version = sys.argv[1], sys.argv[2], sys.argv[3]
    marker = sys.argv[4] if len(sys.argv) > 4 else "keeper-marker"
    requires_python = sys.argv[5] if len(sys.argv) > 5 else ">=3.8"
    import re
    dist = re.sub(r"[-_.]+", "_", name).lower()
    pkginfo = ("Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: Keeper test package <%s>\n"
               "Requires-Python: %s\n%s\nA package made by make_dists.py.\n") % (
                   name, version, marker, requires_python,
                   "License: %s\n" % os.environ["KEEPER_DIST_LICENSE"] if os.environ.get("KEEPER_DIST_LICENSE") else "")
    init = 'VERSION = "%s"\nMARKER = "%s"\n' % (version, marker)
    pyproject = ('[build-system]\nrequires = []\nbuild-backend = "keeper_backend"\nbackend-path = ["."]\n')
    files = {
        "PKG-INFO": pkginfo,
        "pyproject.toml": pyproject,
        "keeper_backend.py": BACKEND,
        dist + "/__init__.py": init,
    }
    os.makedirs(out, exist_ok=True)
    # sdist: {dist}-{version}.tar.gz with everything under {dist}-{version}/
    base = "%s-%s" % (dist, version)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for arc in sorted(files):
            data = files[arc].encode()
            ti = tarfile.TarInfo(base + "/" + arc)
            ti.size, ti.mtime, ti.mode = len(data), 0, 0o644
            tf.addfile(ti, io.BytesIO(data))
    with open(os.path.join(out, base + ".tar.gz"), "wb") as f:
        with gzip.GzipFile(fileobj=f, mode="wb", mtime=0, filename="") as gz:
            gz.write(raw.getvalue())
    # wheel: run the same backend on the unpacked tree
    with tempfile.TemporaryDirectory() as src:
        for arc, text in files.items():
            p = os.path.join(src, arc)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "w", encoding="utf-8") as f:
                f.write(text)
        cwd = os.getcwd()
        os.chdir(src)
        try:
            ns = {}
            exec(BACKEND, ns)
            fn = ns["build_wheel"](os.path.abspath(os.path.join(cwd, out)))
        finally:
            os.chdir(cwd)
    print(os.path.join(out, fn))
    print(os.path.join(out, base + ".tar.gz"))

if __name__ == "__main__":
    main()
