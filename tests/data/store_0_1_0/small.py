# archived entry 'small', format 1, data files: []
# ---- info ----
info = None
# ---- value ----
from numpy import array as _array
small = _array([0, 1, 2, 3, 4], dtype='int64')
del _array
if __name__ == 'builtins':
    del __builtins__
