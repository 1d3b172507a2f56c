/** Names every Python 3.11 module can read without defining them (builtins and module dunders). */
export const PYTHON_BUILTINS: ReadonlySet<string> = new Set(
  (
    "abs aiter all anext any ascii bin bool breakpoint bytearray bytes callable chr classmethod compile complex " +
    "copyright credits delattr dict dir divmod enumerate eval exec exit filter float format frozenset getattr " +
    "globals hasattr hash help hex id input int isinstance issubclass iter len license list locals map max " +
    "memoryview min next object oct open ord pow print property quit range repr reversed round set setattr " +
    "slice sorted staticmethod str sum super tuple type vars zip __import__ __build_class__ __debug__ " +
    "__name__ __doc__ __file__ __builtins__ __spec__ __loader__ __package__ __annotations__ " +
    "Ellipsis NotImplemented None True False " +
    "BaseException BaseExceptionGroup Exception ExceptionGroup ArithmeticError AssertionError AttributeError " +
    "BlockingIOError BrokenPipeError BufferError BytesWarning ChildProcessError ConnectionAbortedError " +
    "ConnectionError ConnectionRefusedError ConnectionResetError DeprecationWarning EOFError EncodingWarning " +
    "EnvironmentError FileExistsError FileNotFoundError FloatingPointError FutureWarning GeneratorExit IOError " +
    "ImportError ImportWarning IndentationError IndexError InterruptedError IsADirectoryError KeyError " +
    "KeyboardInterrupt LookupError MemoryError ModuleNotFoundError NameError NotADirectoryError " +
    "NotImplementedError OSError OverflowError PendingDeprecationWarning PermissionError ProcessLookupError " +
    "RecursionError ReferenceError ResourceWarning RuntimeError RuntimeWarning StopAsyncIteration " +
    "StopIteration SyntaxError SyntaxWarning SystemError SystemExit TabError TimeoutError TypeError " +
    "UnboundLocalError UnicodeDecodeError UnicodeEncodeError UnicodeError UnicodeTranslateError " +
    "UnicodeWarning UserWarning ValueError Warning ZeroDivisionError " +
    // IPython / Jupyter kernel names a notebook may use without importing
    "display get_ipython In Out"
  ).split(/\s+/),
);
