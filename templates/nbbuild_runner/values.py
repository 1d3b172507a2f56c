"""Type names and exact-JSON checks of Python values."""

import math
import sys


def qualified_type(value):
    t = type(value)
    mod = getattr(t, "__module__", "") or ""
    qn = getattr(t, "__qualname__", t.__name__)
    return qn if mod == "builtins" else "%s.%s" % (mod, qn)


def exact_json(value, depth=0):
    if depth > 100:
        return False
    t = type(value)
    if value is None or t is bool or t is int or t is str:
        return True
    if t is float:
        return math.isfinite(value)
    if t is list:
        return all(exact_json(v, depth + 1) for v in value)
    if t is dict:
        return all(type(k) is str and exact_json(v, depth + 1) for k, v in value.items())
    return False


def import_module_or_none(name):
    m = sys.modules.get(name)
    if m is not None:
        return m
    try:
        __import__(name)
        return sys.modules[name]
    except Exception:
        return None
