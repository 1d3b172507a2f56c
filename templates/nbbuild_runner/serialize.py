"""Variables crossing steps: one artifact directory each, format chosen by type."""

import io
import json
import os
import pickle
import sys

from . import state
from .atomicio import atomic_write
from .pickling import _NotebookPickler, _NotebookUnpickler
from .state import PICKLE_PROTOCOL, StepFailure
from .values import exact_json, import_module_or_none, qualified_type


def _is_ndarray(value):
    np = sys.modules.get("numpy")
    return np is not None and type(value) is np.ndarray and not value.dtype.hasobject


def _pandas_kind(value):
    pd = sys.modules.get("pandas")
    if pd is None:
        return None
    if type(value) is pd.DataFrame:
        return "DataFrame"
    if type(value) is pd.Series:
        return "Series"
    return None


def _try_parquet(value, kind, path):
    """Writes parquet only when pyarrow is importable and the value reads back identically."""
    if import_module_or_none("pyarrow") is None:
        return False
    pd = sys.modules["pandas"]
    try:
        frame = value if kind == "DataFrame" else value.to_frame(name="__nbbuild_series__")
        buf = io.BytesIO()
        frame.to_parquet(buf)
        back = pd.read_parquet(io.BytesIO(buf.getvalue()))
        if kind == "Series":
            if value.name is not None and type(value.name) is not str:
                return False
            back = back["__nbbuild_series__"]
            back.name = value.name
            ok = back.equals(value) and back.dtype == value.dtype
        else:
            ok = (back.equals(value) and list(back.columns) == list(value.columns)
                  and back.dtypes.equals(value.dtypes) and type(back.columns) is type(value.columns))
        ok = ok and back.index.equals(value.index) and type(back.index) is type(value.index) \
            and back.index.dtype == value.index.dtype and list(back.index.names) == list(value.index.names)
        if not ok:
            return False
        data = buf.getvalue()
        atomic_write(path, lambda f: f.write(data))
        return True
    except Exception:
        return False


def _pickle_dump(value, f):
    """Pickles `value` into `f`; returns the format. The notebook-aware stdlib pickler comes first:
    notebook functions and classes are re-created from source in the next step's namespace, so they
    keep one identity there and see that namespace's globals, as in the notebook. cloudpickle, then
    dill, when importable, take what it cannot (lambdas, closures). NBBUILD_PICKLER=pickle|cloudpickle|dill
    forces one."""
    choice = os.environ.get("NBBUILD_PICKLER", "auto")
    if choice in ("cloudpickle", "dill"):
        mod = import_module_or_none(choice)
        if mod is None:
            raise ImportError("NBBUILD_PICKLER=%s but %s is not installed in this image" % (choice, choice))
        mod.dump(value, f, protocol=PICKLE_PROTOCOL)
        return choice
    try:
        _NotebookPickler(f, protocol=PICKLE_PROTOCOL).dump(value)
        return "pickle"
    except Exception as e:
        error = e
    if choice != "pickle":
        for name in ("cloudpickle", "dill"):
            mod = import_module_or_none(name)
            if mod is None:
                continue
            f.seek(0)
            f.truncate()
            try:
                mod.dump(value, f, protocol=PICKLE_PROTOCOL)
                return name
            except Exception as e:
                error = e
    raise error


def save_variable(name, value, path):
    """Saves one variable into its artifact directory; returns the format used."""
    os.makedirs(path, exist_ok=True)
    meta = {"name": name, "type": qualified_type(value), "step": state.RUN.name}
    if exact_json(value):
        fmt, ext = "json", "json"
        text = json.dumps(value, ensure_ascii=True, allow_nan=False)
        atomic_write(os.path.join(path, "value.json"), lambda f: f.write(text.encode("ascii")))
    elif _is_ndarray(value):
        fmt, ext = "npy", "npy"
        np = sys.modules["numpy"]
        atomic_write(os.path.join(path, "value.npy"), lambda f: np.save(f, value, allow_pickle=False))
    elif _pandas_kind(value) and _try_parquet(value, _pandas_kind(value), os.path.join(path, "value.parquet")):
        fmt, ext = "parquet", "parquet"
        if _pandas_kind(value) == "Series":
            meta["series_name"] = value.name
    else:
        ext = "pkl"
        used = []
        atomic_write(os.path.join(path, "value.pkl"), lambda f: used.append(_pickle_dump(value, f)))
        fmt = used[0]
    meta["format"] = fmt
    meta["file"] = "value." + ext
    text = json.dumps(meta, sort_keys=True, indent=1)
    atomic_write(os.path.join(path, "nbbuild.json"), lambda f: f.write(text.encode("utf-8")))
    return fmt


def load_variable(name, path):
    """Loads one variable from its artifact directory, exactly as nbbuild.json says."""
    meta_path = os.path.join(path, "nbbuild.json")
    if not os.path.isfile(meta_path):
        raise StepFailure("step %s: input variable '%s' not found at %s (no nbbuild.json; did the producing step run?)"
                          % (state.RUN.name, name, path))
    with open(meta_path, encoding="utf-8") as f:
        meta = json.load(f)
    fmt = meta.get("format")
    vpath = os.path.join(path, meta.get("file") or "value." + {"json": "json", "npy": "npy", "parquet": "parquet"}.get(fmt, "pkl"))
    origin = "variable '%s' (type %s) from step %s" % (name, meta.get("type", "?"), meta.get("step", "?"))
    try:
        if fmt == "json":
            with open(vpath, encoding="utf-8") as f:
                return json.load(f)
        if fmt == "npy":
            np = import_module_or_none("numpy")
            if np is None:
                raise ImportError("numpy is not installed in this image")
            return np.load(vpath, allow_pickle=False)
        if fmt == "parquet":
            pd = import_module_or_none("pandas")
            if pd is None or import_module_or_none("pyarrow") is None:
                raise ImportError("pandas and pyarrow are needed to read parquet")
            frame = pd.read_parquet(vpath)
            if "__nbbuild_series__" in frame.columns and len(frame.columns) == 1:
                s = frame["__nbbuild_series__"]
                s.name = meta.get("series_name")
                return s
            return frame
        if fmt in ("pickle", "cloudpickle", "dill"):
            with open(vpath, "rb") as f:
                if fmt == "dill":
                    dill = import_module_or_none("dill")
                    if dill is None:
                        raise ImportError("dill is needed to load this value but is not installed in this image")
                    return dill.load(f)
                if fmt == "cloudpickle" and import_module_or_none("cloudpickle") is None:
                    raise ImportError("cloudpickle is needed to load this value but is not installed in this image")
                return _NotebookUnpickler(f).load()
        raise ValueError("unknown format %r in %s" % (fmt, meta_path))
    except StepFailure:
        raise
    except Exception as e:
        raise StepFailure("step %s: cannot load %s: %s: %s" % (state.RUN.name, origin, type(e).__name__, e))


def save_outputs(outputs):
    for name, path in outputs:
        if name not in state.RUN.ns:
            raise StepFailure("step %s: variable '%s' is needed by later steps but was not defined by the step's cells"
                              % (state.RUN.name, name))
        value = state.RUN.ns[name]
        try:
            fmt = save_variable(name, value, path)
            state.RUN.saved.append((name, "%s as %s" % (qualified_type(value), fmt)))
        except StepFailure:
            raise
        except Exception as e:
            where = state.RUN.defined_in.get(name, ("an input of the step",))[0]
            raise StepFailure("cannot pass variable '%s' (type %s) from step %s (defined in %s) to later steps: %s"
                              % (name, qualified_type(value), state.RUN.name, where, _reason(e)))


def _reason(e):
    msg = str(e)
    if isinstance(e, pickle.PicklingError) and msg.startswith("it holds"):
        return msg
    return "%s: %s" % (type(e).__name__, msg) if msg else type(e).__name__
