"""The C extension only (the rest is in pyproject.toml): setuptools cannot declare an extension in
pyproject.toml. It includes the repository's C header, ../c/include/bufferbridge.h, in place: the
package builds from a checkout of the repository, not from a lone copy of python/."""
import os

from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))
INCLUDE = os.path.normpath(os.path.join(HERE, "..", "c", "include"))

setup(ext_modules=[Extension(
    "bufferbridge._bufferbridge",
    sources=["src/bufferbridge/_bufferbridge.c"],
    include_dirs=[INCLUDE],
    # a change to the header rebuilds the extension
    depends=[os.path.join(INCLUDE, "bufferbridge.h")],
    extra_compile_args=["-std=c99", "-Wall", "-Wextra", "-Werror", "-Wno-missing-field-initializers",
                        "-Wno-unused-parameter", "-Wno-cast-function-type"],
)])
