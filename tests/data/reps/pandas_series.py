from numpy import array as _array
from math import nan as _nan
from archived.reps import string_array as _string_array
from archived.reps import index as _index
from archived.reps import series as _series
value = _series(
    _array([1.0, _nan], dtype='float64'),
    index=_index(_string_array(['a', 'b'])),
    name='n',
)
del _array, _nan, _string_array, _index, _series
if __name__ == 'builtins':
    del __builtins__
