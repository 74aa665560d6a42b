from numpy import array as _array
from archived.reps import string_array as _string_array
from archived.reps import index as _index
from archived.reps import categorical as _categorical
value = _index(
    _categorical(_array([0, 1, 0], dtype='int8'), _index(_string_array(['x', 'y']))),
    name='c',
)
del _array, _string_array, _index, _categorical
if __name__ == 'builtins':
    del __builtins__
