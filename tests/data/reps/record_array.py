from numpy import array as _array
from archived.reps import record_array as _record_array
value = _record_array(
    _array([(0.0, 1), (1.0, 2), (2.0, 3)], dtype=[('x', '<f8'), ('n', '<i4')]),
)
del _array, _record_array
if __name__ == 'builtins':
    del __builtins__
