"""Helpers shared by several test modules (plain functions; pytest does not collect them)."""

import os

import numpy as np


def same(a, b):
    """Whether ``b`` equals ``a`` exactly: arrays by dtype and contents, containers by type."""
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def snapshot(folder):
    """Every file under ``folder``: relative name -> bytes."""
    return {
        os.path.relpath(os.path.join(root, f), folder): open(os.path.join(root, f), "rb").read()
        for root, _, files in os.walk(folder)
        for f in files
    }
