from numpy import array as _array
from archived.reps import string_array as _string_array
from archived.reps import dataframe as _dataframe
value = _dataframe(
    {'a': _array([1.5, 2.5], dtype='float64'), 'b': _string_array(['x', 'y'])},
)
del _array, _string_array, _dataframe
if __name__ == 'builtins':
    del __builtins__
