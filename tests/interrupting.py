"""A KeyboardInterrupt raised at the n-th line run in one file: where a Ctrl-C can land.

Python runs signal handlers between bytecodes; raising from a trace function at each line
of the code under test in turn reaches every such place deterministically, where a timed
signal would find them only by chance.
"""

import contextlib
import sys


@contextlib.contextmanager
def interrupt_at_line(n, filename, functions=None):
    """Inside the block, raise KeyboardInterrupt at the n-th line run in ``filename`` (in
    the functions named ``functions`` only, if given); yields a list whose first item
    counts the lines seen."""
    count = [0]

    def tracer(frame, event, arg):
        code = frame.f_code
        if code.co_filename != filename or (functions and code.co_name not in functions):
            return None

        def local(frame, event, arg):
            if event == "line":
                count[0] += 1
                if count[0] == n:
                    raise KeyboardInterrupt
            return local

        return local

    sys.settrace(tracer)
    try:
        yield count
    finally:
        sys.settrace(None)
