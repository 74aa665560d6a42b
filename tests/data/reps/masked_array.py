from numpy import array as _array
from archived.reps import masked_array as _masked_array
value = _masked_array(
    _array([1.0, 2.0, 3.0], dtype='float64'),
    _array([False, True, False], dtype='bool'),
)
del _array, _masked_array
if __name__ == 'builtins':
    del __builtins__
